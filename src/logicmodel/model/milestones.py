"""Service roadmap items (サービスロードマップ): dated releases and service levels."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator

from logicmodel.model.base import Frozen, Id, Text
from logicmodel.periods import parse_period

__all__ = ["Milestone"]


def _date(value: Any) -> Any:
    """Dates as ``date``; a period text (``FY2025``, ``2025-09``) means its last day."""
    if value is None or isinstance(value, dt.date | dt.datetime):
        return value.date() if isinstance(value, dt.datetime) else value
    return parse_period(value).end


class Milestone(Frozen):
    """A dated release or service level on the service roadmap.

    ``due`` (and ``start``, ``done``) accept dates, ISO text or any period (its last day), so
    ``due="FY2025"`` means 2026-03-31.

    Examples
    --------
    >>> m = Milestone(id="spec", title="標準仕様の公開", due="2024-09", delivers=["support"])
    >>> m.due
    datetime.date(2024, 9, 30)
    """

    id: Id
    title: Text
    due: Annotated[dt.date, BeforeValidator(_date)]
    start: Annotated[dt.date | None, BeforeValidator(_date)] = None
    done: Annotated[dt.date | None, BeforeValidator(_date)] = None
    delivers: tuple[Id, ...] = ()
    service_level: Text | None = None
    description: Text | None = None
    owner: Text | None = None
    tags: tuple[Text, ...] = ()
