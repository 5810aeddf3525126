"""What the charts share: the Japanese font without touching the caller's rc, the chart's
language, new axes, the organisation to draw, number formats, colours and labels."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from logicmodel.errors import ModelError, did_you_mean
from logicmodel.model import UnknownIdError

if TYPE_CHECKING:
    from matplotlib.axes import Axes


_EXTRA = "pip install 'logicmodel[viz]'"
_LANGS = ("en", "ja")
_NEUTRAL_FILL = "#f6f8fa"
_NEUTRAL_EDGE = "#8c959f"
_PLAN_COLOUR = "#59636e"
_TARGET_COLOUR = "#1f2328"
_AS_OF_COLOUR = "#cf222e"

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "actual": "actual ({status})",
        "plan": "plan",
        "target": "target",
        "baseline": "baseline",
        "as_of": "as of {date}",
        "forecast": "forecast: target reached {period}",
        "achievement": "achievement {pct}",
        "org": "org {org}",
    },
    "ja": {
        "actual": "実績（{status}）",
        "plan": "計画",
        "target": "目標",
        "baseline": "基準値",
        "as_of": "基準日 {date}",
        "forecast": "見込み: {period}に目標到達",
        "achievement": "達成率 {pct}",
        "org": "団体 {org}",
    },
}


@functools.cache
def _font_family() -> tuple[str, ...]:
    """The font families for our text: the bundled Japanese font first, DejaVu Sans behind it.

    The font file of ``matplotlib-fontja`` is registered with matplotlib's font manager once; the
    package itself is not imported, because importing it rewrites the global ``font.family``.
    """
    try:
        from matplotlib import font_manager
    except ImportError as err:  # pragma: no cover - CI installs the viz extra
        raise ImportError(f"logicmodel charts need matplotlib: {_EXTRA}") from err
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - as above
        raise ImportError(
            f"logicmodel charts need the Japanese font of matplotlib-fontja: {_EXTRA}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():  # pragma: no cover - a broken installation
        raise ImportError(f"matplotlib-fontja has no font file at {path}: {_EXTRA}")
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    return (name, "DejaVu Sans")


@contextlib.contextmanager
def _japanese_text() -> Iterator[None]:
    """Text artists created inside take the bundled Japanese font (the caller's rc is kept)."""
    family = _font_family()
    import matplotlib as mpl

    with mpl.rc_context({"font.family": list(family)}):
        yield


def _lang(lang: str | None, default: str) -> str:
    out = default if lang is None else lang
    if out not in _LANGS:
        raise ModelError(f"lang {out!r} is not one of {', '.join(repr(x) for x in _LANGS)}")
    return out


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    # pyplot's first figure of a session loads the backend, and the inline backend then turns
    # interactive mode on in rcParams: made inside an rc_context, that would be rolled back and
    # no later figure of the notebook displayed. So the figure first, the axes (tick labels in
    # the Japanese font) inside the context.
    fig = plt.figure(figsize=size, layout="constrained")
    with _japanese_text():
        new: Axes = fig.subplots()
    return new


def _org_code(progress: Any, org: str | None) -> str | None:
    """The code of ``org`` given as a code, 5-digit code, name, kana or name with its parents
    (``Progress.resolve_org``); left as given when the progress does not know it (the caller
    then says so with the nearest codes)."""
    if org is None or not hasattr(progress, "resolve_org"):
        return org
    try:
        return str(progress.resolve_org(org))
    except ModelError as err:
        if "organisations are named" in str(err):
            raise  # a shared name: the message lists the codes to pass
        return org


def _pick_org(frame: pd.DataFrame, org: str | None, top: str, what: str) -> tuple[str | None, Any]:
    """The org to draw (default: the first top-level org, else the first org of ``frame``) and
    the boolean row mask for it."""
    orgs = frame["org"]
    if org is None:
        top_rows = frame[(frame["level"] == top).to_numpy(dtype=bool)]
        if not len(top_rows):  # a progress kept to one level or org (``at``, ``org``)
            top_rows = frame
        first = top_rows["org"].iloc[0] if len(top_rows) else None
        chosen = None if first is None or pd.isna(first) else str(first)
    else:
        known = sorted({str(o) for o in orgs.dropna().unique()})
        if str(org) not in known and "org_name" in frame:  # a name such as 釧路町
            named = frame.loc[(frame["org_name"] == org).to_numpy(dtype=bool), "org"]
            if named.nunique() == 1:
                org = str(named.iloc[0])
        if str(org) not in known:
            if not known:
                raise UnknownIdError(
                    f"no org {org!r} for {what}: this progress has no organisations "
                    "(evaluate with hierarchy=... to get per-org rows)",
                    id=str(org),
                )
            raise UnknownIdError(
                f"no org {org!r} for {what} in this progress{did_you_mean(str(org), known)}",
                id=str(org),
            )
        chosen = str(org)
    mask = orgs.isna() if chosen is None else orgs == chosen
    return chosen, mask.to_numpy(dtype=bool)


def _org_label(progress: Any, code: str) -> str:
    """``釧路町 (016616)`` when the progress knows the org's name, else the code."""
    orgs = getattr(progress, "orgs", None)
    if orgs is None or "org_name" not in orgs:
        return code
    named = orgs.loc[(orgs["org"] == code).to_numpy(dtype=bool), "org_name"]
    name = named.iloc[0] if len(named) else None
    return f"{name} ({code})" if isinstance(name, str) and name != code else code


def _number(value: float) -> str:
    """``1,741``, ``61.98``, ``0.5``: up to four significant decimals, thousands separated."""
    if not math.isfinite(value):
        return "–"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"


def _pct(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if not math.isfinite(v) else f"{v * 100:.0f}%"


def _present(value: Any) -> bool:
    """A cell that holds something (not None, NaN or NaT)."""
    return bool(pd.notna(value))
