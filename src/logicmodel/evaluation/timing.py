"""When an evaluation stands: the default ``as_of`` rule of DESIGN §4.4, on integer days."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["latest_end_of_finest"]

# period classes by length in days: a day, a month, a quarter, anything longer
_CLASS_BOUNDS = np.array([1, 31, 92], dtype=np.int64)


def latest_end_of_finest(
    start_day: npt.NDArray[np.integer], end_day: npt.NDArray[np.integer]
) -> int | None:
    """The latest end among the periods of the finest class present (days before months before
    quarters before years), as days since 1970-01-01; ``None`` without periods.

    One annual figure for a year still running does not move the result past the newest monthly
    data. Call it with the distinct observed periods of the actual rows.

    Examples
    --------
    >>> import numpy as np
    >>> day = lambda *d: np.array(d, dtype="datetime64[D]").astype(np.int64)
    >>> got = latest_end_of_finest(day("2026-04-01", "2024-09-01"), day("2027-03-31", "2024-09-30"))
    >>> str(np.datetime64(got, "D"))
    '2024-09-30'
    """
    start = np.asarray(start_day, dtype=np.int64)
    end = np.asarray(end_day, dtype=np.int64)
    if not len(end):
        return None
    klass = np.searchsorted(_CLASS_BOUNDS, end - start + 1, side="left")
    return int(end[klass == klass.min()].max())
