"""Tests of logicmodel.checks: each rule triggers on a minimal model, not on a good one."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logicmodel import testing as lm_testing
from logicmodel.checks import (
    OBSERVATION_CODES,
    check,
    register_rule,
    registered,
    rule,
    rules,
    unregister_rule,
)
from logicmodel.checks.indicators import is_activity_count, is_output_count
from logicmodel.errors import CheckError, ModelError
from logicmodel.io.text import load
from logicmodel.issues import Issue, Report
from logicmodel.model import KPI, LogicModel

ROOT = Path(__file__).resolve().parents[1]

Data = dict[str, Any]


def base() -> Data:
    """A small model with no issue at all."""
    return {
        "id": "window",
        "title": "書かないワンストップ窓口",
        "nodes": [
            {"kind": "input", "id": "grant", "label": "補助金"},
            {"kind": "activity", "id": "support", "label": "導入支援"},
            {"kind": "output", "id": "adopted", "label": "導入団体の増加"},
            {"kind": "outcome", "id": "no_forms", "label": "書かずに手続", "stage": "short",
             "description": "申請書を書かずに手続できる"},
            {"kind": "outcome", "id": "wait", "label": "待ち時間の短縮", "stage": "intermediate"},
            {"kind": "impact", "id": "ux", "label": "利用者体験の向上"},
        ],
        "links": [
            {"source": "grant", "target": "support"},
            {"source": "support", "target": "adopted"},
            {"source": "adopted", "target": "no_forms", "weight": 2.0},
            {"source": "no_forms", "target": "wait"},
            {"source": "wait", "target": "ux"},
        ],
        "indicators": [
            {"id": "adopted_n", "measures": "adopted", "role": "KPI", "name": "導入団体数",
             "unit": "団体", "baseline": {"period": "FY2023", "value": 120},
             "targets": {"FY2025": 900, "FY2027": 1741}, "source": "デジタル庁調べ"},
            {"id": "no_forms_share", "measures": "no_forms", "role": "KPI",
             "name": "書かずに済んだ手続の割合", "unit": "%", "aggregation": "mean",
             "baseline": {"period": "FY2023", "value": 10}, "targets": {"FY2027": 80},
             "source": "窓口システムのログ"},
            {"id": "wait_min", "measures": "wait", "role": "KGI", "name": "平均待ち時間",
             "unit": "分", "direction": "decrease", "aggregation": "mean",
             "baseline": {"period": "FY2023", "value": 40}, "targets": {"FY2027": 15},
             "source": "窓口システムのログ"},
            {"id": "ux_score", "measures": "ux", "role": "KGI", "name": "満足度", "unit": "%",
             "aggregation": "mean", "baseline": {"period": "FY2023", "value": 55},
             "targets": {"FY2027": 75}, "source": "利用者アンケート"},
        ],
        "milestones": [
            {"id": "spec", "title": "標準仕様の公開", "start": "2024-04-01", "due": "2024-09-30",
             "done": "2024-09-15", "delivers": ["support"]},
        ],
    }  # fmt: skip


def build(data: Data) -> LogicModel:
    return LogicModel.model_validate(data)


def _ind(data: Data, ident: str) -> Data:
    found: Data = next(i for i in data["indicators"] if i["id"] == ident)
    return found


def _node(data: Data, ident: str) -> Data:
    found: Data = next(n for n in data["nodes"] if n["id"] == ident)
    return found


# ------------------------------------------------------------------ one mutation per code
def m101(d: Data) -> None:
    d["nodes"].append({"kind": "activity", "id": "support2"})
    d["links"] += [{"source": "support", "target": "support2"},
                   {"source": "support2", "target": "support"}]  # fmt: skip


def m102(d: Data) -> None:
    d["nodes"].append({"kind": "input", "id": "staff"})
    d["links"].append({"source": "adopted", "target": "staff"})


def m103(d: Data) -> None:
    d["nodes"].append({"kind": "output", "id": "leaflets"})
    d["links"].append({"source": "support", "target": "leaflets"})


def m104(d: Data) -> None:
    d["nodes"].append({"kind": "outcome", "id": "trust", "stage": "long"})
    d["links"].append({"source": "grant", "target": "trust"})


def m105(d: Data) -> None:
    d["nodes"].append({"kind": "output", "id": "orphan"})


def m106(d: Data) -> None:
    d["nodes"] = d["nodes"][1:3]
    d["links"] = [{"source": "support", "target": "adopted"}]
    d["indicators"] = d["indicators"][:1]


def m107(d: Data) -> None:
    _node(d, "wait")["stage"] = "short"
    del _node(d, "no_forms")["description"]


def m108(d: Data) -> None:
    d["links"][2]["weight"] = 0


def m109(d: Data) -> None:
    d["links"][3]["evidence"] = {
        "method": "callaway_santanna", "treatment": None, "outcome": "wait_min", "att": 2.1,
        "se": 0.3, "ci_low": 1.5, "ci_high": 2.7, "n_treated": 200, "n_control": 100,
        "n_periods": 36, "verdict": "contradicts", "unit": "分",
    }  # fmt: skip


def m112(d: Data) -> None:
    _node(d, "support")["label"] = "\u3000\u200b"


def m110(d: Data) -> None:
    _node(d, "support")["label"] = "導入\x1b[31m支援\x00"


def m111(d: Data) -> None:
    _ind(d, "ux_score")["id"] = "w\u0430it"  # Cyrillic а, looks like node 'wait'


def m201(d: Data) -> None:
    d["indicators"] = [i for i in d["indicators"] if i["measures"] != "no_forms"]


def m202(d: Data) -> None:
    _ind(d, "no_forms_share").update(name="研修の開催件数", unit="件", aggregation="flow")


def m203(d: Data) -> None:
    _ind(d, "adopted_n").update(name="説明会の開催回数", unit="回")


def m204(d: Data) -> None:
    del _ind(d, "adopted_n")["unit"]


def m205(d: Data) -> None:
    d["indicators"].append({"id": "voice", "measures": "ux", "measure": "qualitative",
                            "targets": {"FY2027": 1}, "source": "聞き取り"})  # fmt: skip


def m206(d: Data) -> None:
    _ind(d, "adopted_n")["direction"] = None


def m207(d: Data) -> None:
    del _ind(d, "adopted_n")["baseline"]


def m208(d: Data) -> None:
    del _ind(d, "adopted_n")["targets"]


def m209(d: Data) -> None:
    del _ind(d, "adopted_n")["source"]


def m210(d: Data) -> None:
    _ind(d, "wait_min")["targets"] = {"FY2027": 55}


def m211(d: Data) -> None:
    _ind(d, "wait_min")["targets"] = {"FY2025": 30, "FY2027": 40}


def m212(d: Data) -> None:
    _ind(d, "adopted_n")["targets"] = {"FY2022": 900}


def m213(d: Data) -> None:
    _ind(d, "adopted_n")["targets"] = {"FY2025": 900, "2025-06": 500}


def m214(d: Data) -> None:
    _ind(d, "adopted_n")["role"] = "KGI"


def m215(d: Data) -> None:
    for i in d["indicators"]:
        i["role"] = "KPI"


def m216(d: Data) -> None:
    del _ind(d, "no_forms_share")["aggregation"]


def m217(d: Data) -> None:
    d["indicators"] += [
        {"id": "users", "measures": "no_forms", "unit": "人", "source": "s",
         "baseline": {"period": "FY2023", "value": 1}, "targets": {"FY2027": 2}},
        {"id": "cases", "measures": "no_forms", "unit": "件", "source": "s",
         "baseline": {"period": "FY2023", "value": 1}, "targets": {"FY2027": 2}},
        {"id": "users_per_case", "measures": "no_forms", "unit": "%", "formula": "users / cases",
         "aggregation": "mean", "baseline": {"period": "FY2023", "value": 1},
         "targets": {"FY2027": 2}},
    ]  # fmt: skip


def m218(d: Data) -> None:
    m217(d)
    del _ind(d, "cases")["unit"]


def m219(d: Data) -> None:
    _ind(d, "adopted_n")["name"] = "導入\x00団体数"


def m220(d: Data) -> None:
    _ind(d, "adopted_n")["baseline"] = {"period": "FY2023", "value": -5}


def m221(d: Data) -> None:
    _ind(d, "wait_min")["targets"] = {"FY2099": 15}


def m401(d: Data) -> None:
    d["milestones"][0]["delivers"] = ["suport"]


def m402(d: Data) -> None:
    d["milestones"][0]["done"] = "2024-03-01"


def m403(d: Data) -> None:
    d["milestones"][0]["start"] = "2024-10-01"


CASES: list[tuple[str, Callable[[Data], None], str, tuple[str, ...], str]] = [
    # code, mutation, where, ids the message names, a phrase of the message
    ("LM101", m101, "link 'support2' → 'support'", ("support", "support2"), "cycle"),
    ("LM102", m102, "link 'adopted' → 'staff'", ("adopted", "staff"), "backwards"),
    ("LM103", m103, "node 'leaflets' (output)", ("leaflets",), "downstream nodes: none"),
    ("LM104", m104, "node 'trust' (outcome, long)", ("grant", "support"), "upstream nodes"),
    ("LM105", m105, "node 'orphan' (output)", ("support", "no_forms"), "no links"),
    ("LM106", m106, "model 'window'", (), "no outcome or impact"),
    ("LM107", m107, "model 'window'", ("no_forms", "wait"), "short"),
    ("LM108", m108, "node 'no_forms' (outcome, short)", ("adopted",), "weight 0"),
    ("LM109", m109, "link 'no_forms' → 'wait'", ("wait_min",), "ATT +2.1 分"),
    ("LM110", m110, "node 'support' (activity)", ("support",), "U+001B"),
    ("LM111", m111, "id 'w\u0430it'", ("wait",), "looks like"),
    ("LM112", m112, "node 'support' (activity)", ("support",), "blank"),
    ("LM201", m201, "node 'no_forms' (outcome, short)", ("no_forms",), "no indicator"),
    ("LM202", m202, "node 'no_forms' (outcome, short)", ("no_forms_share",), "output counts"),
    ("LM203", m203, "node 'adopted' (output)", ("adopted_n",), "activity counts"),
    ("LM204", m204, "indicator 'adopted_n'", ("adopted",), "no unit"),
    ("LM205", m205, "indicator 'voice'", (), "qualitative"),
    ("LM206", m206, "indicator 'adopted_n'", (), "no direction"),
    ("LM207", m207, "indicator 'adopted_n'", (), "no baseline"),
    ("LM208", m208, "indicator 'adopted_n'", (), "no target"),
    ("LM209", m209, "indicator 'adopted_n'", (), "no source"),
    ("LM210", m210, "indicator 'wait_min'", (), "above the baseline 40"),
    ("LM211", m211, "indicator 'wait_min'", (), "equals the baseline 40"),
    ("LM212", m212, "indicator 'adopted_n'", (), "FY2022"),
    ("LM213", m213, "indicator 'adopted_n'", (), "FY2025 and 2025-06"),
    ("LM214", m214, "indicator 'adopted_n'", ("adopted", "no_forms"), "KGI"),
    ("LM215", m215, "model 'window'", ("wait_min", "ux_score"), "no KGI"),
    ("LM216", m216, "indicator 'no_forms_share'", (), "'stock'"),
    ("LM217", m217, "indicator 'users_per_case'", ("users", "cases"), "[case]"),
    ("LM218", m218, "indicator 'users_per_case'", ("cases",), "cannot be checked"),
    ("LM219", m219, "indicator 'adopted_n'", (), "U+0000"),
    ("LM220", m220, "indicator 'adopted_n'", (), "below zero"),
    ("LM221", m221, "indicator 'wait_min'", (), "30 years"),
    ("LM401", m401, "milestone 'spec'", ("suport", "support"), "not a node"),
    ("LM402", m402, "milestone 'spec'", (), "2024-03-01"),
    ("LM403", m403, "milestone 'spec'", (), "2024-10-01"),
]


def test_every_registered_rule_has_a_case() -> None:
    assert sorted(c[0] for c in CASES) == sorted(registered())


def test_base_model_is_clean() -> None:
    report = check(build(base()))
    assert report.issues == [], str(report)
    assert report.ok


@pytest.mark.parametrize(
    ("code", "mutate", "where", "ids", "phrase"), CASES, ids=[c[0] for c in CASES]
)
def test_rule_triggers(
    code: str, mutate: Callable[[Data], None], where: str, ids: tuple[str, ...], phrase: str
) -> None:
    data = base()
    mutate(data)
    model = build(data)
    report = check(model)
    hits = [i for i in report if i.code == code]
    assert hits, f"{code} not found in:\n{report}"
    issue = next((i for i in hits if i.where == where), None)
    assert issue is not None, f"no {code} at {where!r}; got {[i.where for i in hits]}"
    assert issue.severity == registered()[code].severity
    assert phrase in issue.message
    for ident in ids:
        assert repr(ident) in issue.where + issue.message, (ident, issue.message)
    assert issue.message_ja
    assert issue.message_ja != issue.message
    assert re.search(r"[ぁ-んァ-ン一-龥]", issue.message_ja)
    # the rule alone finds it too, and the base model does not trigger it
    assert code in check(model, select=code).codes
    assert code not in check(build(base()), select=code).codes


def test_rule_does_not_trigger_when_fixed_otherwise() -> None:
    """Near misses that must stay quiet."""
    d = base()
    # maintain indicators may have target == baseline; skipping stages is not backwards
    _ind(d, "wait_min").update(direction="maintain", targets={"FY2027": 40})
    d["links"].append({"source": "support", "target": "wait"})
    # an outcome with a count and a rate is not measured only by counts
    d["indicators"].append({"id": "sessions", "measures": "no_forms", "name": "研修の開催件数",
                            "unit": "件", "aggregation": "flow", "source": "s",
                            "baseline": {"period": "FY2023", "value": 1},
                            "targets": {"FY2027": 5}})  # fmt: skip
    # adjacent, non-overlapping targets; a formula % indicator may use the default aggregation
    _ind(d, "adopted_n")["targets"] = {"FY2024": 500, "FY2025": 900}
    d["indicators"].append({"id": "share2", "measures": "no_forms", "unit": "%",
                            "formula": "adopted_n / adopted_n * 100",
                            "baseline": {"period": "FY2023", "value": 1},
                            "targets": {"FY2027": 2}})  # fmt: skip
    report = check(build(d))
    assert report.issues == [], str(report)


# ------------------------------------------------------------------ messages
def test_lm103_message_matches_style_example() -> None:
    d = base()
    m103(d)
    issue = next(i for i in check(build(d)) if i.code == "LM103")
    assert str(issue).startswith(
        "LM103 error   node 'leaflets' (output): leads to no outcome; downstream nodes: none"
    )


def test_lm103_lists_downstream_nodes() -> None:
    d = base()
    d["nodes"] += [{"kind": "output", "id": f"o{k}"} for k in range(8)]
    d["links"].append({"source": "support", "target": "o0"})
    d["links"] += [{"source": f"o{k}", "target": f"o{k + 1}"} for k in range(7)]
    issue = next(i for i in check(build(d), select="LM103") if i.where.startswith("node 'o0'"))
    assert "downstream nodes: 'o1', 'o2', 'o3', 'o4', 'o5' and 1 more" in issue.message


def test_cycle_reports_each_group_once() -> None:
    d = base()
    m101(d)
    d["nodes"] += [{"kind": "output", "id": "x"}, {"kind": "output", "id": "y"}]
    d["links"] += [
        {"source": "support", "target": "x"},
        {"source": "x", "target": "y"},
        {"source": "y", "target": "x"},
        {"source": "y", "target": "no_forms"},
    ]
    issues = [i for i in check(build(d)) if i.code == "LM101"]
    assert sorted(i.ids for i in issues) == [("support", "support2"), ("x", "y")]


def test_long_to_short_outcome_and_impact_to_outcome_are_backwards() -> None:
    d = base()
    d["nodes"].append({"kind": "outcome", "id": "late", "stage": "long"})
    d["links"] += [{"source": "wait", "target": "late"}, {"source": "late", "target": "ux"}]
    d["nodes"].append({"kind": "outcome", "id": "after", "stage": "short"})
    d["links"] += [{"source": "late", "target": "after"}, {"source": "ux", "target": "after"}]
    wheres = {i.where for i in check(build(d), select="LM102")}
    assert wheres == {"link 'late' → 'after'", "link 'ux' → 'after'"}


def test_lm401_names_indicator_when_delivers_is_an_indicator() -> None:
    d = base()
    d["milestones"][0]["delivers"] = ["adopted_n", "support"]
    (issue,) = check(build(d), select="LM401").issues
    assert "'adopted_n' is an indicator, not a node" in issue.message


def test_overlapping_targets_duplicate_labels() -> None:
    d = base()
    _ind(d, "adopted_n")["targets"] = [{"period": "FY2025", "value": 900},
                                       {"period": "令和7年度", "value": 950}]  # fmt: skip
    (issue,) = check(build(d), select="LM213").issues
    assert "twice for FY2025" in issue.message


def test_fiscal_year_start_is_used_for_target_periods() -> None:
    # with a January fiscal year, FY2025 is calendar 2025, so 2025-06 lies inside it
    d = base()
    d["fiscal_year_start"] = 1
    _ind(d, "adopted_n")["targets"] = {"FY2025": 900, "2026-02": 950}
    assert "LM213" not in check(build(d)).codes
    _ind(d, "adopted_n")["targets"] = {"FY2025": 900, "2025-06": 950}
    assert "LM213" in check(build(d)).codes


@pytest.mark.parametrize(
    ("name", "unit", "output", "activity"),
    [
        ("導入団体数", "団体", True, False),
        ("設置箇所数", "箇所", True, False),
        ("配備台数", "台", True, False),
        ("研修の開催件数", "件", True, True),
        ("説明会の開催回数", "回", True, True),
        ("利用回数", "回", False, True),
        ("研修受講者数", "人", True, False),
        ("オンライン利用者数", "人", False, False),
        ("相談件数", "件", True, False),
        ("申請の受付", "件", False, False),
        ("Workshops held", "件", True, True),
        ("Households reached", "件", False, False),
        ("平均待ち時間", "分", False, False),
        ("満足度", "%", False, False),
    ],
)
def test_count_heuristics(name: str, unit: str, output: bool, activity: bool) -> None:
    ind = KPI(id="x", measures="n", name=name, unit=unit)
    assert is_output_count(ind) is output
    assert is_activity_count(ind) is activity


def test_formula_indicator_is_never_a_count() -> None:
    ind = KPI(id="x", measures="n", name="導入団体数", unit="団体", formula="a + b")
    assert not is_output_count(ind)
    assert not is_activity_count(ind)


# ------------------------------------------------------------------ check() options
def _broken() -> LogicModel:
    d = base()
    for mutate in (m103, m105, m108, m204, m209, m401, m402):
        mutate(d)
    return build(d)


def test_select_ignore_and_prefixes() -> None:
    model = _broken()
    all_codes = check(model).codes
    assert {"LM103", "LM105", "LM108", "LM204", "LM209", "LM401", "LM402"} <= set(all_codes)
    assert check(model, select="LM1").codes == [c for c in all_codes if c.startswith("LM1")]
    assert check(model, select=["LM103", "LM4"]).codes == ["LM103", "LM401", "LM402"]
    assert check(model, ignore="LM2").codes == [c for c in all_codes if not c.startswith("LM2")]
    assert check(model, select="LM1", ignore=["LM105"]).codes == ["LM103", "LM108"]
    assert check(model, select=("LM401",), ignore="LM4").issues == []


@pytest.mark.parametrize("selector", ["LM9", "lm1", "", "XX"])
def test_selector_matching_nothing_is_an_error(selector: str) -> None:
    with pytest.raises(ModelError, match=r"matches no check code|expected codes"):
        check(_broken(), select=selector)
    with pytest.raises(ModelError):
        check(_broken(), ignore=[selector])


def test_bad_arguments() -> None:
    with pytest.raises(ModelError, match="needs a LogicModel, got dict"):
        check(base())  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="lang 'fr'"):
        check(_broken(), lang="fr")


def test_lang_ja() -> None:
    model = _broken()
    en, ja = check(model), check(model, lang="ja")
    assert [i.code for i in en] == [i.code for i in ja]
    assert [i.where for i in en] == [i.where for i in ja]
    for e, j in zip(en, ja, strict=True):
        assert j.message == e.message_ja
        assert re.search(r"[ぁ-んァ-ン一-龥]", j.message)
    assert "どのアウトカム・インパクトにもつながっていません" in str(ja)
    assert en.in_language("ja") == ja


def test_report_properties() -> None:
    report = check(_broken())
    assert not report.ok
    assert {i.code for i in report.errors} == {"LM103", "LM105", "LM401"}
    assert {i.code for i in report.warnings} == {"LM108", "LM204", "LM402"}
    assert {i.code for i in report.infos} == {"LM209"}
    severities = [i.severity for i in report]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    frame = report.to_frame()
    assert list(frame["code"]) == [i.code for i in report]
    assert len(frame) == len(report)
    with pytest.raises(CheckError) as info:
        report.raise_for_errors()
    assert info.value.report is report
    assert "LM105" in str(info.value)
    assert pickle.loads(pickle.dumps(report)) == report
    html = report._repr_html_()
    assert "LM401" in html
    assert "&#x27;suport&#x27;" in html
    for line, issue in zip(str(report).splitlines(), report, strict=True):
        assert line.startswith(f"{issue.code} {issue.severity:<7} {issue.where}: ")
    clean = check(build(base()))
    assert clean.raise_for_errors() is clean


def test_warnings_only_report_is_ok() -> None:
    d = base()
    m204(d)
    report = check(build(d))
    assert report.ok
    assert report.codes == ["LM204"]


def test_check_with_observations() -> None:
    model = build(base())
    obs = pd.DataFrame(
        {"indicator": ["wait_min", "wiat_min"], "period": ["FY2024", "FY2024"],
         "value": ["30", "20"]}
    )  # fmt: skip
    report = check(model, obs)
    assert "LM301" in report.codes
    hit = next(i for i in report if i.code == "LM301")
    assert "wiat_min" in hit.where + hit.message
    assert check(model, obs, ignore="LM3").codes == []
    assert check(model, obs, select="LM301").codes == ["LM301"]
    assert check(model, obs, select="LM1").codes == []


# ------------------------------------------------------------------ registry
def test_rules_table_lists_every_code() -> None:
    table = rules()
    assert list(table.columns) == ["code", "severity", "title", "title_ja", "scope"]
    assert set(table["code"]) == set(registered()) | set(OBSERVATION_CODES)
    assert list(table["code"]) == sorted(table["code"])
    assert set(table["severity"]) <= {"error", "warning", "info"}
    assert table["title"].str.len().min() > 0
    assert table["title_ja"].str.len().min() > 0
    assert set(table.loc[table["code"].str.startswith("LM3"), "scope"]) == {"observations"}


def test_code_ranges() -> None:
    for code in registered():
        assert re.fullmatch(r"LM[124]\d\d", code), code
    assert all(re.fullmatch(r"LM3\d\d", c) for c in OBSERVATION_CODES)


def test_registry_refuses_silent_override() -> None:
    original = registered()["LM101"]
    with pytest.raises(ModelError, match="'LM101' is already registered"):
        register_rule("LM101", severity="info", title="t", title_ja="t", rule=lambda m: ())
    assert registered()["LM101"] is original
    with pytest.raises(ModelError, match="reserved for observation"):
        register_rule("LM301", severity="info", title="t", title_ja="t", rule=lambda m: ())


def test_registry_replace_and_custom_rules() -> None:
    original = registered()["LM209"]
    try:

        @rule("LM209", severity="warning", title="source", title_ja="出典", replace=True)
        def strict_source(model: LogicModel) -> Any:
            yield from (
                strict_source.issue(i.where, "source!", "出典!", ids=i.ids) for i in original(model)
            )

        d = base()
        m209(d)
        (issue,) = check(build(d), select="LM209").issues
        assert (issue.severity, issue.message, issue.message_ja) == ("warning", "source!", "出典!")
    finally:
        register_rule(
            "LM209", severity=original.severity, title=original.title,
            title_ja=original.title_ja, rule=original.function, replace=True,
        )  # fmt: skip
    assert registered()["LM209"].severity == "info"


def test_user_rule_runs_and_can_be_removed() -> None:
    def no_owner(model: LogicModel) -> list[Issue]:
        if model.owner:
            return []
        return [Issue("X001", "warning", f"model {model.id!r}", "no owner", message_ja="所管なし")]

    made = register_rule("X001", severity="warning", title="no owner", title_ja="所管なし",
                         rule=no_owner)  # fmt: skip
    try:
        assert made.doc == ""
        assert check(build(base()), select="X").codes == ["X001"]
        assert "X001" in set(rules()["code"])
        with pytest.raises(ModelError, match="already registered"):
            register_rule("X001", severity="warning", title="t", title_ja="t", rule=no_owner)
    finally:
        unregister_rule("X001")
    assert "X001" not in registered()
    with pytest.raises(ModelError, match="no check rule 'X001'"):
        unregister_rule("X001")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"code": "lm999"}, "malformed"),
        ({"code": "X"}, "malformed"),
        ({"severity": "fatal"}, "severity 'fatal'"),
        ({"rule": "not callable"}, "expected a function"),
    ],
)
def test_register_rule_validates(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"code": "X002", "severity": "info", "title": "t", "title_ja": "t",
                            "rule": lambda m: ()}  # fmt: skip
    args.update(kwargs)
    code = args.pop("code")
    with pytest.raises(ModelError, match=message):
        register_rule(code, **args)
    assert "X002" not in registered()


def test_crashing_user_rule_names_the_rule() -> None:
    def crash(model: LogicModel) -> list[Issue]:
        raise RuntimeError("boom")

    register_rule("X003", severity="info", title="crash", title_ja="失敗", rule=crash)
    try:
        with pytest.raises(RuntimeError, match="boom") as info:
            check(build(base()))
        assert "while running check rule X003 (crash)" in info.value.__notes__[0]
        assert check(build(base()), ignore="X003").ok
    finally:
        unregister_rule("X003")


def test_every_rule_has_docs() -> None:
    for code, r in registered().items():
        assert r.doc, code


def test_docs_list_every_code() -> None:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    table = rules()
    for row in table.itertuples():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"| {row.code} ")), None)
        assert line is not None, row.code
        assert f"| {row.severity} |" in line, row.code
        assert str(row.title_ja) in line, row.code


# ------------------------------------------------------------------ examples
def test_broken_example_shows_many_codes() -> None:
    report = check(load(ROOT / "examples" / "broken.yaml"))
    assert len(report.codes) >= 8, str(report)
    assert not report.ok


def test_window_dx_example_has_no_errors() -> None:
    report = check(load(ROOT / "examples" / "window-dx" / "model.yaml"))
    assert report.ok, str(report)


# ------------------------------------------------------------------ edge cases and properties
def test_empty_and_tiny_models() -> None:
    assert check(LogicModel(id="e", title="empty")).issues == []
    one = check(LogicModel(id="one", title="t", nodes=[{"kind": "outcome", "id": "o"}]))
    assert one.codes == ["LM105", "LM201", "LM215"]


def test_model_with_only_outcomes_and_no_activity() -> None:
    d: Data = {"id": "m", "title": "t",
               "nodes": [{"kind": "outcome", "id": "a"}, {"kind": "impact", "id": "b"}],
               "links": [{"source": "a", "target": "b"}]}  # fmt: skip
    issues = [i for i in check(build(d)) if i.code == "LM104"]
    assert {i.where for i in issues} == {"node 'a' (outcome, short)", "node 'b' (impact)"}
    assert all("the model has no activity" in i.message for i in issues)


def test_check_does_not_change_the_model() -> None:
    model = _broken()
    before = copy.deepcopy(model.model_dump())
    check(model)
    assert model.model_dump() == before


def test_big_model_checks() -> None:
    n = 10_000
    kinds = ["input", "activity", "output", "outcome", "impact"]
    nodes = [{"kind": kinds[k % 5], "id": f"n{k}"} for k in range(n)]
    links = [{"source": f"n{k - 1}", "target": f"n{k}"} for k in range(n) if k % 5]
    links += [{"source": f"n{k}", "target": f"n{k + 5}"} for k in range(0, n - 5, 5)]
    model = LogicModel(id="big", title="big", nodes=nodes, links=links)
    report = check(model)
    assert report.codes == ["LM107", "LM201", "LM215"]
    assert len([i for i in report if i.code == "LM201"]) == 2 * n // 5


IDS = [f"n{k}" for k in range(8)]
UNITS = ["件", "人", "団体", "回", "%", "分", "円", "千円/人", "ポイント"]
PERIODS = ["FY2022", "FY2023", "FY2024", "FY2025", "2024-06", "2025Q1", "2024", "令和7年度"]


@st.composite
def models(draw: st.DrawFn) -> LogicModel:
    count = draw(st.integers(0, 8))
    kinds = draw(st.lists(st.sampled_from(["input", "activity", "output", "outcome", "impact"]),
                          min_size=count, max_size=count))  # fmt: skip
    nodes: list[Data] = []
    for ident, kind in zip(IDS, kinds, strict=False):
        node: Data = {"kind": kind, "id": ident}
        if kind == "outcome":
            node["stage"] = draw(st.sampled_from(["short", "intermediate", "long"]))
            if draw(st.booleans()):
                node["description"] = "理由"
        nodes.append(node)
    ids = [n["id"] for n in nodes]
    links: list[Data] = []
    if len(ids) >= 2:
        pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=14))
        seen = set()
        for s, t in pairs:
            if s != t and (s, t) not in seen:
                seen.add((s, t))
                links.append({"source": s, "target": t, "weight": draw(st.sampled_from([0, 1, 2]))})
    indicators: list[Data] = []
    if ids:
        for k in range(draw(st.integers(0, 5))):
            ind: Data = {
                "id": f"i{k}",
                "measures": draw(st.sampled_from(ids)),
                "role": draw(st.sampled_from([None, "KGI", "KPI"])),
                "direction": draw(st.sampled_from([None, "increase", "decrease", "maintain"])),
                "measure": draw(st.sampled_from(["quantitative", "qualitative"])),
                "aggregation": draw(st.sampled_from(["stock", "flow", "mean"])),
                "name": draw(st.sampled_from([None, "研修の開催件数", "導入団体数", "満足度"])),
            }
            if draw(st.booleans()):
                ind["unit"] = draw(st.sampled_from(UNITS))
            if draw(st.booleans()):
                ind["baseline"] = {"period": draw(st.sampled_from(PERIODS)),
                                   "value": draw(st.integers(-5, 5))}  # fmt: skip
            ind["targets"] = [
                {"period": p, "value": draw(st.integers(-5, 5))}
                for p in draw(st.lists(st.sampled_from(PERIODS), max_size=3))
            ]
            if k >= 2 and draw(st.booleans()):
                ind["formula"] = draw(st.sampled_from(["i0 / i1 * 100", "i0 + i1", "max(i0, i1)"]))
            if draw(st.booleans()):
                ind["source"] = "調査"
            indicators.append(ind)
    milestones: list[Data] = []
    for k in range(draw(st.integers(0, 2))):
        dates = draw(st.lists(st.dates(dt.date(2023, 1, 1), dt.date(2027, 1, 1)), min_size=3,
                              max_size=3))  # fmt: skip
        milestones.append(
            {
                "id": f"m{k}",
                "title": "項目",
                "due": dates[0],
                "start": draw(st.sampled_from([None, dates[1]])),
                "done": draw(st.sampled_from([None, dates[2]])),
                "delivers": draw(st.lists(st.sampled_from([*IDS, "i0"]), max_size=2)),
            }
        )
    data: Data = {"id": "h", "title": "t", "nodes": nodes, "links": links,
                  "indicators": indicators, "milestones": milestones}  # fmt: skip
    try:
        return LogicModel.model_validate(data)
    except ModelError:
        # construction-level problems (a formula naming a missing indicator): drop the formulas
        for ind in indicators:
            ind.pop("formula", None)
        return LogicModel.model_validate(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.sampled_from(["en", "ja"]))
def test_check_never_raises_on_valid_models(model: LogicModel, lang: str) -> None:
    report = check(model, lang=lang)
    assert isinstance(report, Report)
    known = set(registered())
    node_ids = {n.id for n in model.nodes}
    for issue in report:
        assert issue.code in known
        assert issue.severity == registered()[issue.code].severity
        assert issue.where.startswith(("node ", "link ", "indicator ", "milestone ", "model "))
        assert issue.message
        assert issue.message_ja
        if issue.where.startswith("node "):
            assert issue.ids[0] in node_ids
    # selecting by prefix partitions the report
    parts = sum((len(check(model, select=p)) for p in ("LM1", "LM2", "LM4")), 0)
    assert parts == len(report)
    if any(n.kind in ("outcome", "impact") for n in model.nodes) or not model.nodes:
        assert "LM106" not in report.codes
    else:
        assert "LM106" in report.codes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lm_testing.models())
def test_check_never_raises_on_shared_strategy(model: LogicModel) -> None:
    report = check(model, lang="ja")
    assert all(i.code in registered() and i.message_ja for i in report)
    assert check(model).codes == report.codes


def test_sample_model_has_no_errors() -> None:
    assert check(lm_testing.sample_model()).ok
