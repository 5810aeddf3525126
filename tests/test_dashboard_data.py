"""The dashboard's data (issue 11): every organisation's rows, all findings, coverage, names.

What the page draws is checked in a real browser by ``test_dashboard_browser.py``; these tests
read the JSON the file carries, so they run without Chromium.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.evaluation import Progress
from logicmodel.report.mermaid import STATUS_COLOURS, STATUS_INK, contrast
from logicmodel.testing import sample_model, sample_observations


def page_data(html: str) -> dict[str, Any]:
    start = html.index('id="lm-data">') + len('id="lm-data">')
    data: dict[str, Any] = json.loads(html[start : html.index("</script>", start)])
    return data


@pytest.fixture(scope="module")
def national() -> tuple[lm.LogicModel, Progress]:
    model = sample_model()
    obs = sample_observations()
    value = pd.to_numeric(obs["value"])
    frames = [
        obs.assign(org=org, value=(value * pace).astype(str))
        for org, pace in (("131016", 1.0), ("131024", 0.6), ("271004", 0.3))
    ]
    progress = lm.evaluate(
        model, pd.concat(frames, ignore_index=True), hierarchy=lm.Hierarchy.japan()
    )
    return model, progress


def test_every_org_every_finding_names_and_coverage(
    national: tuple[lm.LogicModel, Progress],
) -> None:
    model, progress = national
    data = page_data(lm.dashboard(model, progress))
    orgs = data["orgs"]
    # the nation first, every prefecture (a tile each), the three municipalities
    assert orgs["code"][0] == "JP"
    assert orgs["name"][0] == "全国"
    assert sum(1 for lv in orgs["level"] if lv == 1) == 47
    chiyoda = orgs["code"].index("131016")
    assert (orgs["name"][chiyoda], orgs["kana"][chiyoda]) == ("千代田区", "チヨダク")
    assert orgs["code"][orgs["parent"][chiyoda]] == "130001"
    # all findings, most important first, with the node's title for each
    findings = data["findings"]
    assert len(findings["code"]) == len(progress.findings)
    codes = [findings["codes"][c][0] for c in findings["code"]]
    assert sorted(codes) == sorted(progress.findings["code"].astype(str))
    rank = [0 if c == "bottleneck" else 1 if c == "milestone_overdue" else 2 for c in codes]
    national_rows = [k for k, o in enumerate(findings["org"]) if o == 0]
    assert national_rows == list(range(len(national_rows)))  # national first
    assert rank[: len(national_rows)] == sorted(rank[: len(national_rows)])
    assert not any("「better_care」" in m for m in findings["ja"])  # labels, not ids
    # coverage of the national KGI: municipalities that reported / all 1,741
    kgi = next(i for i in data["indicators"] if i["role"] == "KGI")
    assert (kgi["reporting"][0], kgi["expected"][0]) == (3, 1741)
    tokyo = orgs["code"].index("130001")
    assert (kgi["reporting"][tokyo], kgi["expected"][tokyo]) == (2, 62)
    # one status character per org; "." where the org has no row
    assert all(len(i["status"]) == len(orgs["code"]) for i in data["indicators"])
    assert kgi["status"][orgs["code"].index("010006")] == "."


def test_uses_the_evaluation_s_coverage_and_names_when_it_has_them(
    national: tuple[lm.LogicModel, Progress],
) -> None:
    """Columns ``org_name, reporting, expected, period_complete`` (DESIGN §4.4) win over what
    the dashboard would count itself."""
    model, progress = national
    ind = progress.indicators
    richer = ind.assign(
        org_name=ind["org"].map({"JP": "日本"}).fillna("団体"),
        reporting=7.0,
        expected=9.0,
        period_complete=[k % 2 == 0 for k in range(len(ind))],
    )
    data = page_data(lm.dashboard(model, dataclasses.replace(progress, indicators=richer)))
    assert data["orgs"]["name"][0] == "日本"
    kgi = next(i for i in data["indicators"] if i["role"] == "KGI")
    assert (kgi["reporting"][0], kgi["expected"][0]) == (7, 9)
    assert set(kgi["complete"]) <= {0, 1, None}


def test_per_org_file_holds_that_org_and_those_below(
    national: tuple[lm.LogicModel, Progress],
) -> None:
    model, progress = national
    data = page_data(lm.dashboard(model, progress, org="130001"))
    assert data["orgs"]["code"] == ["130001", "131016", "131024"]
    assert data["orgs"]["parent"] == [-1, 0, 0]
    f = progress.findings
    own = f["org"].isin(["130001", "131016", "131024"]) | f["org"].isna()
    assert len(data["findings"]["code"]) == int(own.sum())
    with pytest.raises(lm.LogicModelError, match="nope"):
        lm.dashboard(model, progress, org="nope")
    plain = lm.evaluate(model, sample_observations())
    with pytest.raises(
        lm.LogicModelError,
        match=r"no organisations; expected observations with an org column.*--hierarchy japan",
    ):
        lm.dashboard(model, plain, org="131016")


def test_page_data_cannot_end_its_script_element() -> None:
    model = sample_model()
    model = model.model_copy(update={"title": "</script><script>alert(1)</script>"})
    html = lm.dashboard(model, lm.evaluate(model, sample_observations()))
    assert html.count("<script") == 2
    assert page_data(html)["title"] == "</script><script>alert(1)</script>"


def test_status_colours_in_mermaid_and_dot_have_readable_text() -> None:
    model = sample_model()
    progress = lm.evaluate(model, sample_observations())
    mermaid, dot = lm.to_mermaid(model, progress), lm.to_dot(model, progress)
    for status, fill in STATUS_COLOURS.items():
        assert contrast(fill, STATUS_INK[status]) >= 4.5, status
    used = set(progress.nodes["status"].astype(str))
    for status in used:
        assert (
            f"classDef {status} fill:{STATUS_COLOURS[status]},color:{STATUS_INK[status]}" in mermaid
        )
        assert f'fillcolor="{STATUS_COLOURS[status]}", fontcolor="{STATUS_INK[status]}"' in dot


def test_link_evidence_is_carried_when_the_link_has_it() -> None:
    """``Link.evidence``: words today; an estimate (DESIGN §4.8) with its verdict and interval
    when the link carries one."""
    from pydantic import BaseModel

    from logicmodel.report.dashboard._layout import pathway_layout

    class Estimate(BaseModel):  # the shape of lm.Evidence's fields the page shows
        verdict: str
        att: float
        ci_low: float
        ci_high: float

    model = sample_model()
    first = model.links[0].model_copy(update={"evidence": "先行30団体の比較（2024年）"})
    model = model.model_copy(update={"links": [first, *model.links[1:]]})
    links = pathway_layout(model)["links"]
    assert links[0]["evidence"] == {"text": "先行30団体の比較（2024年）"}
    assert all(lk["evidence"] is None for lk in links[1:])

    class Linked:
        source, target, weight, rationale = first.source, first.target, 1.0, None
        evidence = Estimate(verdict="supports", att=0.12, ci_low=0.05, ci_high=0.2)

    fake = model.model_construct(**{**dict(model), "links": [Linked(), *model.links[1:]]})
    got = pathway_layout(fake)["links"][0]["evidence"]
    assert got == {"verdict": "supports", "att": 0.12, "ci_low": 0.05, "ci_high": 0.2}


def test_views_of_progress_make_dashboards_about_them(
    national: tuple[lm.LogicModel, Progress],
) -> None:
    """``progress.org(code)`` and ``progress.at(level)`` (DESIGN §4.4): the file is about them."""
    model, progress = national
    one = page_data(lm.dashboard(model, progress.org("131016")))
    assert one["orgs"]["code"] == ["131016"]
    assert one["orgs"]["parent"] == [-1]
    prefectures = page_data(lm.dashboard(model, progress.at("prefecture")))
    # two prefectures side by side: one top above them, so both can be reached and counted
    assert prefectures["orgs"]["code"] == ["", "130001", "270008"]
    assert prefectures["orgs"]["parent"] == [-1, 0, 0]
    assert len(prefectures["findings"]["code"]) == len(progress.at("prefecture").findings)


def test_trend_lines_are_each_org_s_own_history(
    national: tuple[lm.LogicModel, Progress],
) -> None:
    """The sparkline characters of an org are its actual and planned history at 64 heights;
    orgs without history take no room (their ``hasTrend`` is ``0``)."""
    import numpy as np

    model, progress = national
    data = page_data(lm.dashboard(model, progress))
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
    codes = data["orgs"]["code"]
    hist = progress.history
    checked = 0
    for ind in data["indicators"]:
        if not ind["trend"]:
            continue
        checked += 1
        L = len(ind["axis"])
        has = [int(c) for c in ind["hasTrend"]]
        lines = [(b & 1) + (b >> 1 & 1) for b in has]
        assert len(ind["trend"]) == sum(lines) * L
        assert has[codes.index("010006")] == 0  # 北海道: no rows
        for code in ("JP", "130001", "131016", "271004"):
            k = codes.index(code)
            seg = ind["trend"][sum(lines[:k]) * L : sum(lines[: k + 1]) * L]
            rows = hist[(hist["indicator"] == ind["id"]) & (hist["org"] == code)]
            rows = rows.set_index(rows["period"].astype(str)).reindex(ind["axis"])
            series = [rows["actual"].to_numpy(float), rows["planned"].to_numpy(float)]
            both = np.concatenate(series)
            ok = np.isfinite(both)
            lo, hi = both[ok].min(), both[ok].max()
            kept = [s for s in series if np.isfinite(s).any()]  # a line without values is left out
            assert has[k] == sum(1 << n for n, s in enumerate(series) if np.isfinite(s).any())
            values = np.concatenate(kept)
            want = np.rint((values - lo) / ((hi - lo) or 1.0) * 63)
            got = [alphabet.index(c) if c != " " else -1 for c in seg]
            fine = np.isfinite(values)
            assert got == [int(w) if f else -1 for w, f in zip(want, fine, strict=True)], code
    assert checked >= 10  # the example's indicators have monthly or yearly histories
