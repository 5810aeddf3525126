"""Achievement, planned trajectory and forecast (DESIGN §5.3–§5.4), vectorised over series.

A *series* is one (indicator, org). Points (baseline and targets) and observations are matched by
an integer series code, so a whole table is computed with ``searchsorted`` and array arithmetic.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["achievement", "forecast", "plan_values"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_INCREASE, _DECREASE, _MAINTAIN = 0, 1, 2


def achievement(
    actual: FloatArray, baseline: FloatArray, target: FloatArray, direction: IntArray
) -> FloatArray:
    """Raw achievement (may exceed 1 or be negative).

    With a baseline b and final target t: ``(a − b) / (t − b)``. Without a baseline: ``a / t`` for
    increase and ``t / a`` for decrease (the RS 達成率 convention). ``maintain``: 1.0 while
    ``a ≥ t``, else ``a / t``. ``t == b`` gives NaN (a check error, never ``inf``).

    Examples
    --------
    >>> import numpy as np
    >>> achievement(np.array([40.0, 30.0, 12.0]), np.array([40.0, 40.0, np.nan]),
    ...             np.array([15.0, 15.0, 15.0]), np.array([1, 1, 1])).round(3).tolist()
    [0.0, 0.4, 1.25]
    """
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    d = np.asarray(direction)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        span = t - b
        with_base = np.where(span != 0, (a - b) / np.where(span != 0, span, 1.0), np.nan)
        inc = np.where(t != 0, a / np.where(t != 0, t, 1.0), np.nan)
        dec = np.where(a > 0, t / np.where(a > 0, a, 1.0), np.where(a <= t, np.inf, np.nan))
        no_base = np.where(d == _DECREASE, dec, inc)
        ratio = np.where(
            d == _MAINTAIN, np.where(a >= t, 1.0, inc), np.where(np.isnan(b), no_base, with_base)
        )
    return np.where(np.isnan(a) | np.isnan(t), np.nan, ratio + 0.0)  # + 0.0 turns -0.0 into 0.0


def plan_values(
    series: IntArray,
    x: IntArray,
    point_series: IntArray,
    point_x: IntArray,
    point_value: FloatArray,
    has_baseline: npt.NDArray[np.bool_],
) -> FloatArray:
    """The planned value at ``x`` (days) of each row's series: piecewise-linear through its points.

    Points must be sorted by (series, x). Before the first point the plan is the baseline when the
    series has one, else undefined (NaN); after the last point it stays at the final target.

    Examples
    --------
    >>> import numpy as np
    >>> plan_values(np.array([0, 0, 0]), np.array([5, 15, 30]), np.array([0, 0, 0]),
    ...             np.array([0, 10, 20]), np.array([100.0, 200.0, 400.0]), np.array([True])).tolist()
    [150.0, 300.0, 400.0]
    """
    if len(point_x) == 0:
        return np.full(len(x), np.nan)
    span = (
        int(
            max(int(np.max(x, initial=0)), int(np.max(point_x)))
            - min(int(np.min(x, initial=0)), int(np.min(point_x)))
        )
        + 2
    )
    offset = min(int(np.min(x, initial=0)), int(np.min(point_x)))
    pkey = point_series.astype(np.int64) * span + (point_x - offset)
    rkey = series.astype(np.int64) * span + (x - offset)
    pos = np.searchsorted(pkey, rkey, side="right")
    left = pos - 1
    n = len(pkey)
    left_ok = (left >= 0) & (point_series[np.clip(left, 0, n - 1)] == series)
    right_ok = (pos < n) & (point_series[np.clip(pos, 0, n - 1)] == series)
    li, ri = np.clip(left, 0, n - 1), np.clip(pos, 0, n - 1)
    x0, x1 = point_x[li].astype(np.float64), point_x[ri].astype(np.float64)
    v0, v1 = point_value[li], point_value[ri]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        frac = np.where(x1 > x0, (x - x0) / np.where(x1 > x0, x1 - x0, 1.0), 0.0)
    inner = v0 + (v1 - v0) * frac
    before = np.where(has_baseline[series], point_value[ri], np.nan)
    return np.where(
        left_ok & right_ok, inner, np.where(left_ok, v0, np.where(right_ok, before, np.nan))
    )


def forecast(
    series: IntArray,
    x: IntArray,
    value: FloatArray,
    n_series: int,
    target: FloatArray,
    window: int = 6,
) -> tuple[FloatArray, FloatArray]:
    """Linear trend of each series' last ``window`` points: (day the target is reached, slope/day).

    Rows must be sorted by (series, x). The day is NaN when there are fewer than two points, the
    trend is flat or moves away from the target; it may lie in the past when already reached.

    Examples
    --------
    >>> import numpy as np
    >>> day, slope = forecast(np.array([0, 0, 0]), np.array([0, 10, 20]), np.array([1.0, 2.0, 3.0]),
    ...                       1, np.array([5.0]))
    >>> day.tolist(), slope.tolist()
    ([40.0], [0.1])
    """
    # the last ``window`` rows of each series (rows are sorted by series), in row order
    counts = np.bincount(np.asarray(series, dtype=np.int64), minlength=n_series)
    kept = np.minimum(counts, window)
    first = np.cumsum(counts) - kept
    offsets = np.cumsum(kept) - kept
    use = np.repeat(first - offsets, kept) + np.arange(int(kept.sum()), dtype=np.int64)
    s, xf, v = (
        np.asarray(series)[use].astype(np.int64, copy=False),
        np.asarray(x)[use].astype(np.float64, copy=False),
        np.asarray(value)[use].astype(np.float64, copy=False),
    )
    n = np.bincount(s, minlength=n_series).astype(np.float64)
    sx = np.bincount(s, xf, minlength=n_series)
    sy = np.bincount(s, v, minlength=n_series)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mx, my = sx / n, sy / n
        dx = xf - mx[s]
        sxx = np.bincount(s, dx * dx, minlength=n_series)
        sxy = np.bincount(s, dx * (v - my[s]), minlength=n_series)
        slope = np.where((n >= 2) & (sxx > 0), sxy / sxx, np.nan)
        day = mx + (target - my) / slope
    gap = target - my
    toward = np.sign(slope) == np.sign(gap)
    day = np.where(np.isfinite(day) & (toward | (gap == 0)), day, np.nan)
    return day, slope
