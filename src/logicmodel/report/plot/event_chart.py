"""An estimated link's event study: effect by periods since adoption (``plot.event_study``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from logicmodel.errors import ModelError
from logicmodel.model.evidence import VERDICT_JA, estimate_text, level_text
from logicmodel.report.plot.common import (
    _AS_OF_COLOUR,
    _PLAN_COLOUR,
    _font_family,
    _japanese_text,
    _lang,
    _new_axes,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


_EVENT_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "x": "periods since adoption",
        "y": "effect on {outcome}{unit}",
        "pre": "before adoption",
        "post": "after adoption",
        "band": "simultaneous band",
        "title": "{link}: ATT {att} ({level} CI {lo} to {hi}) · {verdict}",
    },
    "ja": {
        "x": "導入からの期間",
        "y": "「{outcome}」への効果{unit}",
        "pre": "導入前",
        "post": "導入後",
        "band": "同時信頼帯",
        "title": "{link}: 効果 {att}（{level}信頼区間 {lo}〜{hi}）· {verdict}",
    },
}


def event_study(evidence: Any, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The event study of an estimated link: effect by periods since adoption, with intervals.

    Parameters
    ----------
    evidence
        An :class:`~logicmodel.Evidence` (from :func:`~logicmodel.estimate_link`) or the
        :class:`~logicmodel.LinkEvidence` a saved model carries on its link.
    ax
        Axes to draw into; by default a new figure (``matplotlib.pyplot``) is made.
    lang
        ``"en"`` or ``"ja"`` for the labels.

    Returns
    -------
    matplotlib.axes.Axes
        Artists carry ids: ``pre`` and ``post`` (points with pointwise interval bars), ``zero``
        (the no-effect line), ``adoption`` (the line between event times −1 and 0), ``att`` (the
        overall effect over the post-adoption periods) and, for an estimate made with
        ``bootstrap=``, ``band`` (the simultaneous band over the whole path, shaded).

    Raises
    ------
    ModelError
        ``lang`` is neither ``"ja"`` nor ``"en"``, or ``evidence`` has no event study.
    ImportError
        matplotlib or matplotlib-fontja is not installed (``pip install 'logicmodel[viz]'``).

    Examples
    --------
    >>> import logicmodel as lm
    >>> from matplotlib.figure import Figure
    >>> ev = lm.LinkEvidence(method="callaway_santanna", outcome="wait_min", att=-3.0, se=0.2,
    ...     ci_low=-3.4, ci_high=-2.6, n_treated=10, n_control=5, n_periods=6, verdict="supports",
    ...     event_study=[{"event_time": -1, "att": 0.1, "ci_low": -0.3, "ci_high": 0.5},
    ...                  {"event_time": 0, "att": -3.0, "ci_low": -3.4, "ci_high": -2.6}])
    >>> ax = event_study(ev, ax=Figure().subplots())
    >>> sorted({a.get_gid() for a in ax.get_children() if a.get_gid()})
    ['adoption', 'att', 'post', 'pre', 'zero']
    """
    language = _lang(lang, "en")
    text = _EVENT_TEXT[language]
    frame = getattr(evidence, "event_study", None)
    if isinstance(frame, pd.DataFrame):
        es = frame
        link = " → ".join(evidence.link)
    else:
        es = pd.DataFrame(
            [p.model_dump() for p in (frame or ())],
            columns=["event_time", "att", "se", "ci_low", "ci_high"],
        )
        link = f"{evidence.treatment or '…'} → {evidence.outcome}"
    if not len(es):
        raise ModelError("the evidence has no event study to draw")
    es = es.sort_values("event_time", kind="stable")
    t = es["event_time"].to_numpy(dtype=np.float64)
    att = es["att"].to_numpy(dtype=np.float64)
    lo = pd.to_numeric(es["ci_low"]).to_numpy(dtype=np.float64)
    hi = pd.to_numeric(es["ci_high"]).to_numpy(dtype=np.float64)
    band = (
        es[["band_low", "band_high"]].to_numpy(dtype=np.float64)
        if {"band_low", "band_high"} <= set(es.columns)
        else np.full((len(es), 2), np.nan)
    )
    colour = {"supports": "#1a7f37", "contradicts": "#cf222e"}.get(evidence.verdict, "#59636e")
    level = level_text(evidence.alpha)
    verdict = evidence.verdict if language == "en" else VERDICT_JA[evidence.verdict]
    with _japanese_text():
        ax = _new_axes(ax, (8.0, 4.5))
        for gid, mask, c in (("pre", t < 0, _PLAN_COLOUR), ("post", t >= 0, colour)):
            if not mask.any():
                continue
            bars = ax.errorbar(
                t[mask],
                att[mask],
                yerr=np.vstack([att[mask] - lo[mask], hi[mask] - att[mask]]),
                fmt="o",
                markersize=3.5,
                color=c,
                ecolor=c,
                elinewidth=1.0,
                capsize=0,
                label=text[gid],
            )
            bars.lines[0].set_gid(gid)
        if np.isfinite(band).all():  # a simultaneous band (bootstrap) around the whole path
            ax.fill_between(
                t,
                band[:, 0],
                band[:, 1],
                color="#8c959f",
                alpha=0.18,
                linewidth=0,
                label=text["band"],
            ).set_gid("band")
        ax.axhline(0.0, color="#1f2328", linewidth=0.8).set_gid("zero")
        ax.axvline(-0.5, color=_AS_OF_COLOUR, linestyle=":", linewidth=1.0).set_gid("adoption")
        post = t >= 0
        if post.any():
            (line,) = ax.plot(
                [0, t[post].max()],
                [evidence.att, evidence.att],
                color=colour,
                linestyle="--",
                linewidth=1.0,
            )
            line.set_gid("att")
        unit = f" ({evidence.unit})" if getattr(evidence, "unit", None) else ""
        # axes made before this call keep their own title/label artists: give them our font
        family = list(_font_family())
        ax.set_xlabel(text["x"], fontfamily=family)
        ax.set_ylabel(text["y"].format(outcome=evidence.outcome, unit=unit), fontfamily=family)
        ax.set_title(
            text["title"].format(
                link=link,
                att=estimate_text(evidence.att),
                level=level,
                lo=estimate_text(evidence.ci_low),
                hi=estimate_text(evidence.ci_high),
                verdict=verdict,
            ),
            fontsize=10,
            fontfamily=family,
        )
        ax.legend(loc="best", frameon=False, prop={"family": family, "size": 8})
    return ax
