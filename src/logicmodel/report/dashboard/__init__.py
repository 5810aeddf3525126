"""A self-contained offline HTML policy dashboard (政策ダッシュボード), DESIGN §4.6.

One HTML file: the data of every organisation as compact JSON, one inline script (allowed by its
hash in the page's Content-Security-Policy, nothing else may run) and inline CSS; no fonts,
images or scripts are fetched, so it opens on a closed network (LGWAN) as it does on a laptop.
A reader moves nation → prefecture → municipality in the same file (tiles, lists, search by
name or kana); Japanese first, English and 和暦 as toggles; tables download as CSV.

The page's script, style sheet and template are package data next to this module
(``static/``); :mod:`._data` turns ``progress`` into the page's data and :mod:`._layout` lays out
the pathway.

Examples
--------
>>> import logicmodel as lm, pandas as pd
>>> from logicmodel.testing import sample_model
>>> m = sample_model()
>>> html = dashboard(m, lm.evaluate(m, pd.DataFrame({"indicator": ["adopted_n"], "period": ["FY2024"],
...                                                  "value": [500]})))
>>> html.startswith("<!DOCTYPE html>") and "http://" not in html and "https://" not in html
True
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from logicmodel.io.files import atomic_write
from logicmodel.report.dashboard._data import build

if TYPE_CHECKING:
    from logicmodel.evaluation import Progress
    from logicmodel.model import LogicModel

__all__ = ["dashboard"]


def _static(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _org_name(progress: Progress, org: str) -> str:
    """The organisation's name from the progress's ``orgs`` table, else its code."""
    table = getattr(progress, "orgs", None)
    if isinstance(table, pd.DataFrame) and {"org", "org_name"} <= set(table.columns):
        names = table.loc[table["org"] == org, "org_name"].dropna()
        if len(names):
            return str(names.iloc[0])
    return org


def _json(data: object) -> str:
    """JSON for a ``<script type="application/json">`` block: no ``<`` can end the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


def dashboard(
    model: LogicModel,
    progress: Progress,
    path: str | os.PathLike[str] | None = None,
    *,
    org: str | None = None,
    overwrite: bool = False,
) -> str:
    """The policy dashboard as one self-contained HTML string; also written to ``path`` if given.

    Parameters
    ----------
    model, progress
        The model and its evaluation (with a hierarchy, every organisation gets its own view).
    path
        Where to write the file (atomically); nothing is written when ``None``.
    overwrite
        Replace a read-only file at ``path`` (a :class:`~logicmodel.errors.WriteError` otherwise).
    org
        An organisation code or name: that organisation's own dashboard (its KGIs, pathway, indicators,
        findings, and the organisations below it), instead of the national picture.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ModelError
        If ``org`` has no rows in ``progress``.

    Notes
    -----
    Every view shows KGI cards with the period of each value and its coverage (organisations
    reporting / organisations expected), the effect pathway by status (with a table for screen
    readers), every indicator with its trend, the organisations below by status, the service
    roadmap and the pathway findings (all of them, most important first, paged).
    """
    has_orgs = "org" in progress.indicators and progress.indicators["org"].notna().any()
    if org is not None and has_orgs and hasattr(progress, "org"):
        progress = progress.org(org)  # a name or kana as well as a code; the same as a view's
        org = progress.focus
    elif org is None:
        org = getattr(progress, "focus", None)  # a view (progress.org(...)) is about its org
    data = build(model, progress, org)
    script = _static("dashboard.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'"
    )
    parts = {
        "CSP": csp,
        "TITLE": html.escape(model.title + (f" — {_org_name(progress, org)}" if org else "")),
        "CSS": _static("dashboard.css"),
        "DATA": _json(data),
        "SCRIPT": script,
    }
    # one pass, so nothing substituted is read again as a placeholder
    doc = re.sub(r"@@([A-Z]+)@@", lambda m: parts[m.group(1)], _static("page.html"))
    if path is not None:
        atomic_write(Path(path), doc, overwrite=overwrite)
    return doc
