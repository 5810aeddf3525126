"""Converting values between units: one cached factor per pair, applied to whole arrays."""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import pint
from pint.util import UnitsContainer

from logicmodel.errors import UnitError
from logicmodel.units.definitions import (
    _RATIO_INTERNAL,
    registry,
)
from logicmodel.units.parsing import (
    dimensionality,
    parse_unit,
)


def _dim_text(dim: UnitsContainer) -> str:
    return str(dim) if dim else "dimensionless"


def _is_multiplicative(unit: pint.Unit) -> bool:
    return bool(registry().Quantity(1.0, unit)._is_multiplicative)


@functools.lru_cache(maxsize=1024)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """The factor that turns values in ``from_unit`` into values in ``to_unit``.

    Raises
    ------
    UnitError
        When either text is not a unit, the dimensions differ (the message names both units and
        their dimensions), or a unit has an offset (°C; use :func:`convert`).

    Examples
    --------
    >>> conversion_factor("億円", "百万円")
    100.0
    >>> conversion_factor("分", "時間")  # doctest: +ELLIPSIS
    0.01666...
    >>> conversion_factor("件", "人")
    Traceback (most recent call last):
    ...
    logicmodel.errors.UnitError: cannot convert '件' ([case]) to '人' ([person]): ...
    """
    fu, tu = parse_unit(from_unit), parse_unit(to_unit)
    _check_same(from_unit, to_unit)
    if not (_is_multiplicative(fu) and _is_multiplicative(tu)):
        raise UnitError(
            f"cannot express {from_unit!r} → {to_unit!r} as one factor: the unit has an offset",
            text=from_unit,
        )
    return float(registry().Quantity(1.0, fu).to(tu).magnitude)


def _check_same(from_unit: str, to_unit: str) -> None:
    fd, td = dimensionality(from_unit), dimensionality(to_unit)
    if fd != td:
        raise UnitError(
            f"cannot convert {from_unit!r} ({_dim_text(fd)}) to {to_unit!r} ({_dim_text(td)}): "
            "the dimensions differ",
            text=from_unit,
        )


def convert(values: npt.ArrayLike, from_unit: str, to_unit: str) -> npt.NDArray[np.float64]:
    """Convert a whole array of values from one unit to another (one multiply, factor cached).

    The input is never modified; the result is a new float64 array.

    Examples
    --------
    >>> convert([1.5, 2.0], "万人", "人")
    array([15000., 20000.])
    >>> convert([0.0, 100.0], "degC", "degF")
    array([ 32., 212.])
    """
    arr = np.asarray(values, dtype=np.float64)
    fu, tu = parse_unit(from_unit), parse_unit(to_unit)
    if _is_multiplicative(fu) and _is_multiplicative(tu):
        return arr * conversion_factor(from_unit, to_unit)
    _check_same(from_unit, to_unit)
    out = registry().Quantity(arr, fu).to(tu).magnitude
    return np.asarray(out, dtype=np.float64)


def is_percent(unit_text: str) -> bool:
    """Whether the unit is one of the ratio units ``%``, ``ポイント`` (percentage point) or ``割``.

    Examples
    --------
    >>> is_percent("％"), is_percent("ポイント"), is_percent("割"), is_percent("件")
    (True, True, True, False)
    """
    items = dict(parse_unit(unit_text)._units)
    return len(items) == 1 and next(iter(items)) in _RATIO_INTERNAL and 1 in items.values()
