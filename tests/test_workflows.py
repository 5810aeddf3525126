"""Issue 12, the documented workflows: one value rule in every reader, RS and IATI round trips that
evaluate, observations from any sheet of a workbook, bad rows left out on request."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import logicmodel as lm
from logicmodel.cli import main
from logicmodel.evaluation.engine import pushdown
from logicmodel.intake import parse_number, parse_numbers
from logicmodel.io import read_rs, write_iati, write_rs
from logicmodel.io.excel import read_excel, write_excel
from logicmodel.io.iati import LM_NAMESPACE, read_iati
from logicmodel.io.rs import C_ROW
from logicmodel.observations import prepare_observations

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "logicmodel" / "examples" / "window-dx"

# the same cells, spelled as offices spell them, and what each means
SPELLINGS = ["▲5.5", "−3", "1_000", "85％", "１２３", "1,234", "(12)", "△2", " 7 ", "-"]
MEANING = [-5.5, -3.0, 1000.0, 85.0, 123.0, 1234.0, -12.0, -2.0, 7.0, None]
YEARS = [f"FY{2016 + k}" for k in range(len(SPELLINGS))]


def _one_indicator_model() -> lm.LogicModel:
    return lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Output(id="o", label="o"), lm.Outcome(id="u", label="u")],
        links=[lm.Link(source="o", target="u")],
        indicators=[lm.KGI(id="n", measures="o", name="収支", unit="円", targets={"FY2030": 10.0})],
    )


def _meaning(values: list[float]) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in values]


def _by_period(frame: pd.DataFrame) -> list[float | None]:
    got = dict(zip(frame["period"].astype(str), frame["value"], strict=True))
    return _meaning([got.get(y, float("nan")) for y in YEARS])


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"indicator": "n", "period": YEARS, "value": SPELLINGS})


def _via_intake(frame: object) -> list[float | None]:
    clean = prepare_observations(_one_indicator_model(), frame)
    assert [i.code for i in clean.issues] == []
    return _by_period(clean.table())


def _via_csv(tmp_path: Path) -> list[float | None]:
    path = tmp_path / "obs.csv"
    _frame().to_csv(path, index=False, encoding="utf-8")
    return _via_intake(lm.read_observations(path))


def _via_engine() -> list[float | None]:
    model = _one_indicator_model()
    prepared = pushdown(model, pl.from_pandas(_frame()).lazy()).prepare(model)
    assert [i.code for i in prepared.issues] == []
    return _by_period(prepared.table())


def _via_excel(tmp_path: Path) -> list[float | None]:
    path = tmp_path / "book.xlsx"
    numbers = _frame().assign(value=1.0)
    write_excel(_one_indicator_model(), path, observations=numbers)
    book = openpyxl.load_workbook(path)
    ws = book["observations"]
    header = [c.value for c in ws[1]]
    col = next(k for k, h in enumerate(header, 1) if "value" in str(h))
    for row, text in enumerate(SPELLINGS, start=2):
        ws.cell(row=row, column=col).value = text
    book.save(path)
    observations = read_excel(path).observations
    assert observations is not None
    through_workbook = _by_period(observations)
    assert _via_intake(lm.read_observations(path)) == through_workbook
    return through_workbook


def _via_rs(tmp_path: Path) -> list[float | None]:
    numbers = _frame().assign(value=1.0)
    with pytest.warns(lm.ConversionWarning, match="role KGI"):
        p1, p2 = write_rs(
            _one_indicator_model(),
            tmp_path / "rs" / "3-1.csv",
            tmp_path / "rs" / "3-2.csv",
            project_id="1",
            observations=numbers,
        )
    sheet = pd.read_csv(p1, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    row = sheet.index[sheet[C_ROW].str.startswith("3")][0]
    for year, text in zip(YEARS, SPELLINGS, strict=True):
        sheet.loc[row, year[2:]] = text
    sheet.to_csv(p1, index=False, encoding="utf-8-sig")
    data = read_rs(p1, p2, project="1")
    return _by_period(data.observations)


def _via_iati(tmp_path: Path) -> list[float | None]:
    numbers = _frame().assign(value=1.0)
    path = write_iati(_one_indicator_model(), numbers, tmp_path / "a.xml")
    tree = etree.parse(str(path))
    actuals = tree.findall(".//actual")
    assert len(actuals) == len(SPELLINGS)
    for el, text in zip(actuals, SPELLINGS, strict=True):
        el.set("value", text)
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    obs = read_iati(path)[0].observations
    assert obs is not None
    return _by_period(obs[obs["kind"] == "actual"])


def test_the_same_cell_means_the_same_in_every_reader(tmp_path: Path) -> None:
    results = {
        "pandas frame (evaluate's intake)": _via_intake(_frame()),
        "polars frame (engine intake)": _via_engine(),
        "CSV file": _via_csv(tmp_path),
        "Excel workbook": _via_excel(tmp_path),
        "RS 3-1 sheet": _via_rs(tmp_path),
        "IATI XML": _via_iati(tmp_path),
    }
    for reader, got in results.items():
        assert got == MEANING, reader


# -- RS round trips that evaluate -------------------------------------------------------------
def _rates_model() -> tuple[lm.LogicModel, pd.DataFrame]:
    """A model with % indicators (one a formula) and fiscal-year observations, in several
    period spellings."""
    model = lm.LogicModel(
        id="rates",
        title="受診率の向上",
        nodes=[
            lm.Input(id="budget", label="予算"),
            lm.Activity(id="invite", label="受診勧奨"),
            lm.Output(id="sent", label="勧奨通知"),
            lm.Outcome(id="screened", label="受診者の増加", stage="short"),
            lm.Impact(id="health", label="健康寿命の延伸"),
        ],
        links=[
            lm.Link(source="budget", target="invite"),
            lm.Link(source="invite", target="sent"),
            lm.Link(source="sent", target="screened", rationale="通知で受診する"),
            lm.Link(source="screened", target="health"),
        ],
        indicators=[
            lm.KPI(id="letters", measures="sent", name="通知数", unit="件",
                   targets={"令和7年度": 5000.0}),
            lm.KPI(id="examined", measures="screened", name="受診者数", unit="人",
                   targets={"2025年度": 900.0}),
            lm.KPI(id="eligible", measures="screened", name="対象者数", unit="人",
                   targets={"FY2025": 3000.0}),
            lm.KGI(id="rate", measures="screened", name="受診率", unit="%",
                   formula="examined / eligible * 100", targets={"R7年度": 30.0}),
            lm.KPI(id="satisfied", measures="health", name="満足度", unit="%",
                   aggregation="mean", targets={"FY2025": 80.0}),
        ],
    )  # fmt: skip
    obs = pd.DataFrame(
        {
            "indicator": ["letters", "letters", "examined", "eligible", "satisfied"],
            "period": ["令和5年度", "FY2024", "2024年度", "R6年度", "FY2024"],
            "value": [3000.0, 4200.0, 700.0, 2900.0, 72.0],
        }
    )
    return model, obs


def test_rs_round_trip_of_a_model_with_rates_and_formulas_evaluates(tmp_path: Path) -> None:
    model, obs = _rates_model()
    folder = tmp_path / "not" / "yet"
    with pytest.warns(lm.ConversionWarning) as caught:
        paths = write_rs(
            model, folder / "3-1.csv", folder / "3-2.csv", project_id="7", observations=obs
        )
    said = str(caught[0].message)
    for item in ("input 'budget'", "impact 'health'", "formula 'examined / eligible * 100'"):
        assert item in said
    back = read_rs(*paths, project="7")
    rates = [i for i in back.model.indicators if i.unit == "%"]
    assert len(rates) == 2
    assert all(i.aggregation == "mean" for i in rates)
    progress = lm.evaluate(back.model, back.observations)
    got = progress.indicators.set_index("indicator")["actual"].dropna().to_dict()
    assert sorted(got.values()) == [72.0, 700.0, 2900.0, 4200.0]
    kinds = {n.id: n.kind for n in back.model.nodes}
    assert sorted(kinds.values()) == ["activity", "activity", "outcome", "outcome", "output"]


def test_rs_round_trip_of_window_dx_evaluates(tmp_path: Path) -> None:
    model = lm.load(EXAMPLE / "model.yaml")
    with pytest.warns(lm.ConversionWarning):
        paths = write_rs(model, tmp_path / "a.csv", tmp_path / "b.csv", project_id="1")
    # a folder of renamed files is found by the files' header lines
    folder = tmp_path / "renamed"
    folder.mkdir()
    paths[0].rename(folder / "目標・実績.csv")
    paths[1].rename(folder / "つながり.csv")
    back = read_rs(folder, project="1")
    assert len(back.model.links) == len(model.links)
    assert len(back.model.indicators) == len(model.indicators)
    progress = lm.evaluate(back.model, back.observations)
    assert len(progress.indicators) == len(model.indicators)


def test_read_rs_fixture_with_a_percent_indicator_evaluates() -> None:
    projects = read_rs(Path(__file__).parent / "data" / "rs")
    data = projects["000123"]
    assert any(i.unit == "%" and i.aggregation == "mean" for i in data.model.indicators)
    assert lm.evaluate(data.model, data.observations).indicators.shape[0] > 0


def test_write_rs_says_which_periods_it_cannot_write(tmp_path: Path) -> None:
    model, obs = _rates_model()
    monthly = obs.assign(period="2024-06")
    # the periods are checked before anything is written or warned about
    with pytest.raises(lm.ModelError, match=r"'2024-06'.*2025年度 and 令和7年度"):
        write_rs(
            model, tmp_path / "a.csv", tmp_path / "b.csv", project_id="1", observations=monthly
        )
    assert not (tmp_path / "a.csv").exists()


def test_evaluate_can_ignore_a_check_rule() -> None:
    model = lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Output(id="o"), lm.Outcome(id="u")],
        links=[lm.Link(source="o", target="u")],
        indicators=[lm.KGI(id="share", measures="u", unit="%", targets={"FY2025": 50.0})],
    )
    obs = pd.DataFrame({"indicator": ["share"], "period": ["FY2024"], "value": [40.0]})
    with pytest.raises(lm.CheckError, match="LM216"):
        lm.evaluate(model, obs)
    progress = lm.evaluate(model, obs, ignore="LM216")
    assert progress.indicators["actual"].tolist() == [40.0]


# -- IATI round trips that evaluate -----------------------------------------------------------
def _same_progress(a: lm.Progress, b: lm.Progress) -> None:
    cols = ["indicator", "org", "actual", "achievement", "status"]
    left = a.indicators[cols].sort_values(["indicator"]).reset_index(drop=True)
    right = b.indicators[cols].sort_values(["indicator"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left.astype(str), right.astype(str))


def test_iati_round_trip_of_window_dx_evaluates_the_same(tmp_path: Path) -> None:
    model = lm.load(EXAMPLE / "model.yaml")
    obs = lm.read_observations(EXAMPLE / "observations.csv")
    back = read_iati(write_iati(model, obs, tmp_path / "dx.xml"))[0]
    assert set(back.model.links) == set(model.links)
    assert {n.id for n in back.model.nodes} == {n.id for n in model.nodes}
    assert back.model.indicators == model.indicators
    assert back.observations is not None
    _same_progress(lm.evaluate(model, obs), lm.evaluate(back.model, back.observations))


def test_iati_round_trip_keeps_formulas_orgs_and_evaluates(tmp_path: Path) -> None:
    model, obs = _rates_model()
    obs = pd.concat([obs.assign(org="011002"), obs.assign(org="131016")], ignore_index=True)
    back = read_iati(write_iati(model, obs, tmp_path / "rates.xml"))[0]
    assert back.model.indicator("rate").formula == "examined / eligible * 100"
    assert back.observations is not None
    assert "location" not in back.observations or back.observations["location"].isna().all()
    assert sorted(set(back.observations["org"])) == ["011002", "131016"]
    _same_progress(lm.evaluate(model, obs), lm.evaluate(back.model, back.observations))


def test_iati_files_from_elsewhere_still_get_links_by_level(tmp_path: Path) -> None:
    model, _ = _rates_model()
    path = write_iati(model, None, tmp_path / "rates.xml")
    tree = etree.parse(str(path))
    for el in tree.getroot().iter(f"{{{LM_NAMESPACE}}}link", f"{{{LM_NAMESPACE}}}node"):
        el.getparent().remove(el)
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    back = read_iati(path)[0].model
    assert set(back.downstream("sent")) == {"screened"}
    assert set(back.downstream("screened")) == {"health"}


# -- observations from a workbook -------------------------------------------------------------
def _workbook(tmp_path: Path) -> Path:
    model = lm.load(EXAMPLE / "model.yaml")
    obs = lm.read_observations(EXAMPLE / "observations.csv")
    return write_excel(model, tmp_path / "dx.xlsx", observations=obs.drop(columns="source_row"))


def test_read_observations_finds_the_observations_sheet_of_the_library_workbook(
    tmp_path: Path,
) -> None:
    book = _workbook(tmp_path)
    obs = lm.read_observations(book)
    assert list(obs.columns[:4]) == [
        "指標ID (indicator)",
        "期間 (period)",
        "値 (value)",
        "単位 (unit)",
    ]
    expected = lm.read_observations(EXAMPLE / "observations.csv")
    assert len(obs) == len(expected)
    model = lm.load(EXAMPLE / "model.yaml")
    _same_progress(lm.evaluate(model, expected), lm.evaluate(model, obs))


def test_read_observations_finds_a_sheet_by_its_header_and_takes_sheet(tmp_path: Path) -> None:
    path = tmp_path / "office.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "説明"
    book.active.append(["この表は…"])
    data = book.create_sheet("R6実績")
    data.append(["指標", "年度", "数値"])
    data.append(["n", "令和6年度", "▲5"])
    other = book.create_sheet("別表")
    other.append(["indicator", "period", "value"])
    other.append(["n", "FY2023", 1])
    book.save(path)
    found = lm.read_observations(path)
    assert found["数値"].tolist() == ["▲5"]
    assert found["source_row"].tolist() == [2]
    chosen = lm.read_observations(path, sheet="別表")
    assert chosen["period"].tolist() == ["FY2023"]


def test_cli_evaluates_with_observations_from_a_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _workbook(tmp_path)
    assert main(["evaluate", str(EXAMPLE / "model.yaml"), str(book)]) == 0
    assert "wait_min" in capsys.readouterr().out
    assert main(["evaluate", str(EXAMPLE / "model.yaml"), str(book), "--sheet", "readme"]) == 2
    assert "missing required column" in capsys.readouterr().err


def test_template_org_column_is_text_to_the_last_row(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    lm.io.excel_template(path)
    ws = openpyxl.load_workbook(path)["observations"]
    header = [c.value for c in ws[1]]
    for key in ("org", "indicator", "period"):
        letter = openpyxl.utils.get_column_letter(
            next(k for k, h in enumerate(header, 1) if f"({key})" in str(h))
        )
        assert ws.column_dimensions[letter].number_format == "@", key


# -- bad rows ---------------------------------------------------------------------------------
def _bad_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": ["n", "n", "nope", "n"],
            "period": ["FY2023", "FY2024", "FY2024", "FY2099Q7"],
            "value": ["10", "abc", "3", "4"],
        }
    )


def test_evaluate_errors_drop_leaves_bad_rows_out_and_says_so() -> None:
    model = _one_indicator_model()
    with pytest.raises(lm.CheckError, match=r"row 1 \(0-based\)"):
        lm.evaluate(model, _bad_rows())
    progress = lm.evaluate(model, _bad_rows(), errors="drop")
    assert progress.indicators["actual"].tolist() == [10.0]
    left_out = [i for i in progress.report.warnings if i.message.endswith("left out")]
    assert sorted(i.code for i in left_out) == ["LM301", "LM302", "LM303"]
    assert all("(0-based)" in i.where for i in left_out)
    report = lm.check(model, _bad_rows(), errors="drop")
    assert report.ok
    assert len([i for i in report.warnings if i.message.endswith("left out")]) == 3
    with pytest.raises(lm.ModelError, match="errors 'skip'"):
        lm.evaluate(model, _bad_rows(), errors="skip")


def test_cli_skip_bad_rows_names_file_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.yaml"
    lm.dump(_one_indicator_model(), model)
    obs = tmp_path / "obs.csv"
    _bad_rows().to_csv(obs, index=False)
    assert main(["evaluate", str(model), str(obs)]) == 2
    capsys.readouterr()
    assert main(["evaluate", str(model), str(obs), "--skip-bad-rows"]) == 0
    err = capsys.readouterr().err
    assert "skipped: LM303 warning observations line 3: value 'abc'" in err
    assert "3 problem(s) in" in err


# -- units ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "unit",
    ["施設", "機関", "校", "世帯", "枚", "点", "店舗", "病院", "薬局", "社", "事業所", "戸", "床",
     "本", "冊", "ha", "施設数", "病床数", "ヘクタール"],
)  # fmt: skip
def test_counting_units_of_public_administration_are_units(unit: str) -> None:
    ind = lm.KPI(id="n", measures="o", unit=unit, targets={"FY2025": 1.0})
    assert lm.units.parse_unit(ind.unit) is not None


def test_counting_units_do_not_convert_into_each_other() -> None:
    assert not lm.units.same_dimension("施設", "団体")
    assert not lm.units.same_dimension("病院", "施設")
    assert lm.units.conversion_factor("病床数", "床") == 1.0
    assert lm.units.conversion_factor("千世帯", "世帯") == 1000.0
    assert lm.units.conversion_factor("ha", "m^2") == pytest.approx(10_000.0)


def test_unknown_units_get_suggestions_near_in_meaning() -> None:
    with pytest.raises(lm.UnitError) as info:
        lm.units.parse_unit("図書館")
    message = str(info.value)
    assert "'施設'" in message
    assert "lm.units.define" in message
    for wrong in ("'%'", "'JPY'", "'pt'"):
        assert wrong not in message


def test_define_a_unit_in_python_and_in_a_model_file(tmp_path: Path) -> None:
    assert lm.units.define("訪問拠点", dimension="visit_base", aliases=["訪問拠点数"]) == "訪問拠点"
    assert lm.units.define("訪問拠点", dimension="visit_base", aliases=["訪問拠点数"]) == "訪問拠点"
    with pytest.raises(lm.UnitError, match="already defined differently"):
        lm.units.define("訪問拠点", dimension="other_base")
    with pytest.raises(lm.UnitError, match="already defined"):
        lm.units.define("施設", dimension="building")
    assert not lm.units.same_dimension("訪問拠点", "施設")
    path = tmp_path / "m.yaml"
    path.write_text(
        "id: m\ntitle: t\nunits:\n  - {name: 相談窓口, dimension: counter_desk, aliases: [窓口数]}\n"
        "  - {name: 千相談窓口, of: 相談窓口, factor: 1000}\n"
        "nodes: [{id: o, kind: output}]\n"
        "indicators: [{id: n, measures: o, unit: 窓口数, targets: {FY2025: 3}}]\n",
        encoding="utf-8",
    )
    model = lm.load(path)
    assert [u.name for u in model.units] == ["相談窓口", "千相談窓口"]
    assert lm.units.conversion_factor("千相談窓口", "窓口数") == 1000.0
    for suffix in (".yaml", ".json"):
        assert lm.load(lm.dump(model, tmp_path / f"back{suffix}")) == model
    with pytest.warns(lm.ConversionWarning, match="unit definitions"):
        lm.dump(model, tmp_path / "back.xlsx")


def test_units_page_lists_the_registry() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "units.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    expected = [
        f"| `{name}` | {', '.join(f'`{a}`' for a in aliases)} | {meaning} |"
        for name, aliases, meaning in lm.units.unit_table(defined=False)
    ]
    assert rows == expected


# -- periods ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("202404", "2024-04", "2024-04-01", "2024-04-30"),
        ("2024.04", "2024-04", "2024-04-01", "2024-04-30"),
        ("R7.4", "2025-04", "2025-04-01", "2025-04-30"),
        ("令和元.5", "2019-05", "2019-05-01", "2019-05-31"),
        ("FY2024H1", "FY2024H1", "2024-04-01", "2024-09-30"),
        ("FY2024H2", "FY2024H2", "2024-10-01", "2025-03-31"),
        ("2025年度上半期", "FY2025H1", "2025-04-01", "2025-09-30"),
        ("２０２５年度下半期", "FY2025H2", "2025-10-01", "2026-03-31"),
        ("令和7年度上期", "FY2025H1", "2025-04-01", "2025-09-30"),
        ("2024H2", "2024H2", "2024-07-01", "2024-12-31"),
    ],
)
def test_more_period_spellings(text: str, label: str, start: str, end: str) -> None:
    p = lm.parse_period(text)
    assert (p.label, p.start.isoformat(), p.end.isoformat()) == (label, start, end)
    assert lm.parse_period(p.label) == p
    vector = lm.parse_periods(pd.Series([text, p.label]))
    assert list(vector.label) == [label, label]


def test_six_digit_numbers_are_months_on_both_paths() -> None:
    assert lm.parse_period(202404).label == "2024-04"
    assert list(lm.parse_periods(pd.Series([202404, 202503])).label) == ["2024-04", "2025-03"]
    with pytest.raises(lm.PeriodError, match="month 13"):
        lm.parse_period("202413")


@given(st.integers(1990, 2100), st.integers(1, 12))
def test_compact_months_round_trip(year: int, month: int) -> None:
    p = lm.parse_period(f"{year}-{month:02d}")
    assert lm.parse_period(f"{year}{month:02d}") == p
    assert lm.parse_period(f"{year}.{month:02d}") == p
    if year >= 2019:
        assert lm.parse_period(f"R{year - 2018}.{month}") == p


@given(st.integers(1990, 2100), st.sampled_from([1, 2]), st.integers(1, 12))
def test_halves_round_trip_and_tile_the_fiscal_year(year: int, half: int, start: int) -> None:
    p = lm.parse_period(f"FY{year}H{half}", fiscal_year_start=start)
    assert lm.parse_period(p.label, fiscal_year_start=start) == p
    fy = lm.parse_period(f"FY{year}", fiscal_year_start=start)
    word = "上半期" if half == 1 else "下半期"
    assert lm.parse_period(f"{year}年度{word}", fiscal_year_start=start) == p
    if half == 1:
        assert p.start == fy.start
    else:
        assert p.end == fy.end
    assert fy.start <= p.start <= p.end <= fy.end


# -- LM202 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("direction", "flagged"), [("decrease", False), ("increase", True)])
def test_lm202_leaves_falling_counts_alone(direction: str, flagged: bool) -> None:
    model = lm.LogicModel(
        id="m",
        title="重複投薬の削減",
        nodes=[lm.Output(id="shared", label="お薬手帳の共有"), lm.Outcome(id="fewer", label="重複投薬の減少")],
        links=[lm.Link(source="shared", target="fewer")],
        indicators=[
            lm.KGI(id="queries", measures="fewer", name="重複投薬の疑義照会件数", unit="件",
                   direction=direction, targets={"FY2026": 100.0}),
        ],
    )  # fmt: skip
    codes = [i.code for i in lm.check(model, select="LM202").issues]
    assert codes == (["LM202"] if flagged else [])


# -- Progress exports -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dx_progress() -> lm.Progress:
    model = lm.load(EXAMPLE / "model.yaml")
    return lm.evaluate(model, lm.read_observations(EXAMPLE / "observations.csv"))


def test_progress_to_excel_writes_every_table_readably(
    dx_progress: lm.Progress, tmp_path: Path
) -> None:
    path = dx_progress.to_excel(tmp_path / "progress.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["indicators", "nodes", "history", "children", "milestones", "findings"]
    for name, frame in sheets.items():
        assert frame.shape == getattr(dx_progress, name).shape, name
    got = sheets["indicators"].set_index("indicator")["actual"]
    want = dx_progress.indicators.set_index("indicator")["actual"]
    pd.testing.assert_series_equal(got, want, check_names=False, check_dtype=False)
    assert sheets["history"]["end"].dtype.kind == "M"
    only = dx_progress.to_excel(tmp_path / "two.xlsx", tables=["indicators", "nodes"])
    assert list(pd.read_excel(only, sheet_name=None)) == ["indicators", "nodes"]
    with pytest.raises(lm.FormatError, match="no table 'nope'"):
        dx_progress.to_excel(tmp_path / "x.xlsx", tables=["nope"])


def test_progress_to_csv_and_parquet(dx_progress: lm.Progress, tmp_path: Path) -> None:
    csv = pd.read_csv(dx_progress.to_csv(tmp_path / "p.csv"), encoding="utf-8-sig")
    assert csv["indicator"].tolist() == dx_progress.indicators["indicator"].tolist()
    nodes = pd.read_parquet(dx_progress.to_parquet(tmp_path / "n.parquet", table="nodes"))
    assert nodes["node"].tolist() == dx_progress.nodes["node"].tolist()
    assert nodes["status"].tolist() == dx_progress.nodes["status"].astype(str).tolist()


def test_formula_like_text_gets_the_quote_prefix_style_not_an_apostrophe(tmp_path: Path) -> None:
    model = lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Output(id="o", label='=HYPERLINK("http://x")'), lm.Outcome(id="u")],
        links=[lm.Link(source="o", target="u")],
        indicators=[lm.KGI(id="n", measures="u", name="-危険", unit="件", targets={"FY2025": 1})],
    )
    obs = pd.DataFrame({"indicator": ["n"], "period": ["FY2024"], "value": [1]})
    model_path = tmp_path / "m.yaml"
    lm.dump(model, model_path)
    obs.to_csv(tmp_path / "o.csv", index=False)
    assert (
        main(["evaluate", str(model_path), str(tmp_path / "o.csv"), "-o", str(tmp_path / "p.xlsx")])
        == 0
    )
    book = openpyxl.load_workbook(tmp_path / "p.xlsx")
    ws = book["nodes"]
    header = [c.value for c in ws[1]]
    label = ws.cell(row=2, column=header.index("label") + 1)
    assert (label.value, label.data_type, label.quotePrefix) == (
        '=HYPERLINK("http://x")',
        "s",
        True,
    )
    names = [c.value for c in book["indicators"]["B"]]
    assert "-危険" in names


def test_cli_progress_shows_each_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.xlsx"
    args = ["evaluate", str(EXAMPLE / "model.yaml"), str(EXAMPLE / "observations.csv")]
    assert main([*args, "-o", str(out), "--progress"]) == 0
    err = capsys.readouterr().err
    for step in ("[1/4] reading model.yaml", "[2/4] reading observations.csv", "[3/4] evaluating",
                 "[4/4] writing p.xlsx"):  # fmt: skip
        assert step in err
    assert err.count("done in") == 4
    assert main([*args, "--no-progress"]) == 0
    assert "[1/3]" not in capsys.readouterr().err


# -- Excel: Japanese drop-downs, one pass, blank targets ----------------------------------------
def _template_with(tmp_path: Path, rows: dict[str, list[list[object]]]) -> Path:
    path = tmp_path / "t.xlsx"
    lm.io.excel_template(path)
    book = openpyxl.load_workbook(path)
    for sheet, values in rows.items():
        for row in values:
            book[sheet].append(row)
    book.save(path)
    return path


def test_a_workbook_filled_from_the_japanese_dropdowns_reads(tmp_path: Path) -> None:
    path = _template_with(
        tmp_path,
        {
            "model": [["m", "窓口"]],
            "nodes": [
                ["o", "アウトプット (output)"],
                ["u", "アウトカム (outcome)", "中期 (intermediate)"],
            ],
            "links": [["o", "u"]],
            "indicators": [
                ["share", "u", "割合", "KGI", "%", "上向き (increase)", None, None, None,
                 "平均 (mean)", None, None, None, "年度 (fiscal_year)", None, "定量 (quantitative)"],
            ],
            "targets": [["share", "FY2025", "85％"], ["share", "FY2027", None]],
            "observations": [["share", None, "FY2024", "▲5", "%", "実績 (actual)"]],
        },
    )  # fmt: skip
    with pytest.warns(lm.FormatWarning, match="targets.*period but no value"):
        data = read_excel(path)
    ind = data.model.indicator("share")
    assert (ind.direction, ind.aggregation, ind.frequency) == ("increase", "mean", "fiscal_year")
    assert [(p.period, p.value) for p in ind.targets] == [("FY2025", 85.0)]
    assert data.model.node("u").stage == "intermediate"
    assert data.observations is not None
    assert data.observations[["value", "kind"]].values.tolist() == [[-5.0, "actual"]]


def test_excel_reports_cell_errors_and_unknown_ids_together(tmp_path: Path) -> None:
    path = _template_with(
        tmp_path,
        {
            "model": [["m", "窓口"]],
            "nodes": [["o", "アウトプット (output)"], ["u", "outcome"]],
            "links": [["o", "uu"]],
            "indicators": [
                ["n", "oo", "件数", "KPI", "件", None, None, None, None, None, None, "重い"]
            ],
        },
    )
    with pytest.raises(lm.FormatError) as info:
        read_excel(path)
    message = str(info.value)
    assert "'重い' is not a number" in message
    assert "unknown node 'uu'" in message
    assert "unknown node 'oo'" in message


# -- the value rule, property-based -----------------------------------------------------------
@given(
    st.lists(st.one_of(st.text(max_size=12), st.floats(), st.integers(), st.none()), max_size=30)
)
def test_value_rule_never_raises_and_vector_equals_scalar(cells: list[object]) -> None:
    values, missing, bad = parse_numbers(cells)
    assert len(values) == len(cells)
    assert not (missing & bad).any()
    for k, cell in enumerate(cells):
        one = parse_number(cell)
        if missing[k]:
            assert one is None
        elif bad[k]:
            assert one is not None
            assert math.isnan(one)
        else:
            assert one == values[k]


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_written_numbers_read_back(x: float) -> None:
    assert parse_number(repr(x)) == x
    assert parse_number(f"{x:,}") == x
    if x < 0:
        assert parse_number("▲" + repr(-x)) == x
        assert parse_number("\u2212" + repr(-x)) == x


def test_cli_convert_shows_its_steps_and_writes_rs_to_a_new_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "new" / "rs"
    args = ["convert", str(EXAMPLE / "model.yaml"), f"rs:{out}", "--project", "1", "--progress"]
    with pytest.warns(lm.ConversionWarning, match="input 'grant' is written as an activity"):
        assert main(args) == 0
    err = capsys.readouterr().err
    assert "[1/2] reading" in err
    assert "[2/2] writing" in err
    assert len(list(out.glob("*.csv"))) == 2
