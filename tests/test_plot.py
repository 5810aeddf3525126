"""matplotlib charts (DESIGN §4.6): the artists drawn are checked against the progress tables,
real PNGs are written and read back, and Japanese text renders with the bundled font."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from PIL import Image

import logicmodel as lm
from logicmodel.errors import LogicModelError
from logicmodel.evaluation.bands import STATUS_LABELS
from logicmodel.periods import parse_period
from logicmodel.report import plot
from logicmodel.report.mermaid import STATUS_COLOURS
from logicmodel.testing import sample_model, sample_observations

# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def window_dx() -> tuple[lm.LogicModel, lm.Progress]:
    model = sample_model()
    return model, lm.evaluate(model, sample_observations(), lang="ja")


def _small_model() -> lm.LogicModel:
    return lm.LogicModel(
        id="m",
        title="窓口",
        nodes=[
            lm.Activity(id="support", label="導入支援"),
            lm.Output(id="adopted", label="導入団体"),
            lm.Outcome(id="wait", label="待ち時間の短縮", stage="中期"),
        ],
        links=[
            lm.Link(source="support", target="adopted"),
            lm.Link(source="adopted", target="wait"),
        ],
        indicators=[
            lm.KPI(
                id="adopted_n",
                measures="adopted",
                name="導入団体数",
                unit="団体",
                baseline={"period": "FY2023", "value": 0},
                targets={"FY2025": 10, "FY2027": 20},
            ),
            lm.KGI(
                id="wait_min",
                measures="wait",
                name="待ち時間",
                unit="分",
                direction="decrease",
                baseline={"period": "FY2023", "value": 40},
                targets={"FY2027": 15},
                aggregation="mean",
            ),
        ],
    )


@pytest.fixture(scope="module")
def with_orgs() -> tuple[lm.LogicModel, lm.Progress]:
    """Prefecture P with cities A and B (Hierarchy.from_frame)."""
    model = _small_model()
    tree = lm.Hierarchy.from_frame(
        pd.DataFrame(
            {"code": ["P", "A", "B"], "parent": ["", "P", "P"], "level": ["pref", "city", "city"]}
        )
    )
    obs = pd.DataFrame(
        {
            "indicator": ["adopted_n"] * 4 + ["wait_min"] * 4,
            "org": ["A", "B", "A", "B"] * 2,
            "period": ["FY2024", "FY2024", "FY2025", "FY2025"] * 2,
            "value": [2, 3, 5, 4, 35, 38, 30, 33],
        }
    )
    return model, lm.evaluate(model, obs, hierarchy=tree, lang="en")


def _gid(artists: Any, gid: str) -> list[Any]:
    return [a for a in artists if a.get_gid() == gid]


def _line(ax: Any, gid: str) -> Any:
    (line,) = _gid(ax.get_lines(), gid)
    return line


def _series(progress: lm.Progress, indicator: str, org: str | None) -> pd.DataFrame:
    h = progress.history
    keep = (h["indicator"] == indicator) & (h["org"].isna() if org is None else h["org"] == org)
    return h[keep].sort_values("end")


def _days(values: Any) -> np.ndarray:
    return np.asarray(values).astype("datetime64[D]").astype(np.int64)


def _png(ax: Any, path: Path) -> np.ndarray:
    ax.figure.savefig(path, dpi=60)
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def _has_colour(pixels: np.ndarray, colour: str, tol: int = 6) -> bool:
    rgb = np.array([round(c * 255) for c in to_rgba(colour)[:3]])
    return bool((np.abs(pixels.astype(int) - rgb).max(axis=2) <= tol).any())


# -- import ------------------------------------------------------------------------------------------


def test_importing_logicmodel_and_the_module_does_not_import_matplotlib() -> None:
    code = (
        "import sys, logicmodel, logicmodel.report.plot as p; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'matplotlib_fontja')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- indicator ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ind", ["wait_min", "adopted_n", "trained_n", "benefit_share"])
def test_actual_line_is_the_history_of_the_indicator(window_dx: Any, ind: str) -> None:
    _model, progress = window_dx
    ax = plot.indicator(progress, ind)
    line = _line(ax, "actual")
    series = _series(progress, ind, None)
    assert len(series) > 0
    np.testing.assert_array_equal(line.get_ydata(), series["actual"].to_numpy())
    np.testing.assert_array_equal(_days(line.get_xdata()), _days(series["end"]))
    status = str(progress.indicators.set_index("indicator").loc[ind, "status"])
    assert to_rgba(line.get_color()) == to_rgba(STATUS_COLOURS[status])


@pytest.mark.parametrize("ind", ["wait_min", "adopted_n", "satisfaction_share", "orgs_n"])
def test_plan_line_goes_through_baseline_targets_and_every_planned_value(
    window_dx: Any, ind: str
) -> None:
    model, progress = window_dx
    spec = model.indicator(ind)
    ax = plot.indicator(progress, ind)
    plan = _line(ax, "plan")
    px, py = _days(plan.get_xdata()), np.asarray(plan.get_ydata(), dtype=float)
    assert (np.diff(px) > 0).all()
    series = _series(progress, ind, None)
    np.testing.assert_allclose(
        np.interp(_days(series["end"]), px, py), series["planned"].to_numpy(), rtol=1e-9
    )
    base_day = _days([parse_period(spec.baseline.period).end])[0]
    assert np.interp(base_day, px, py) == pytest.approx(spec.baseline.value)
    # targets: one star per model target at its period end, each labelled with its period
    marks = _line(ax, "targets")
    ends = [parse_period(t.period).end for t in spec.targets]
    np.testing.assert_array_equal(_days(marks.get_xdata()), _days(ends))
    assert list(marks.get_ydata()) == [t.value for t in spec.targets]
    for day, value in zip(_days(ends), [t.value for t in spec.targets], strict=True):
        assert np.interp(day, px, py) == pytest.approx(value)
    labels = [t.get_text() for t in _gid(ax.texts, "target_label")]
    assert [s.split(":")[0] for s in labels] == [t.period for t in spec.targets]
    base = _line(ax, "baseline")
    assert list(base.get_ydata()) == [spec.baseline.value]


def test_as_of_line_and_forecast(window_dx: Any) -> None:
    _model, progress = window_dx
    row = progress.indicators.set_index("indicator").loc["adopted_n"]
    ax = plot.indicator(progress, "adopted_n")
    as_of = _line(ax, "as_of")
    assert list(_days(as_of.get_xdata())) == list(_days([progress.as_of])) * 2
    forecast = _line(ax, "forecast")
    series = _series(progress, "adopted_n", None)
    fx, fy = forecast.get_xdata(), forecast.get_ydata()
    assert fy[0] == series["actual"].iloc[-1]
    assert _days(fx[:1])[0] == _days(series["end"].iloc[-1:])[0]
    # FY2029 is within twice the span to the final target: the line reaches it at the date
    assert fy[1] == row["target"]
    assert _days(fx[1:])[0] == _days([row["forecast_date"]])[0]
    assert row["forecast_period"] in forecast.get_label()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert forecast.get_label() in legend
    assert as_of.get_label() in legend


def test_a_forecast_beyond_the_data_is_not_drawn(window_dx: Any) -> None:
    # issue 10: 36 months of waiting times do not support a forecast 16 years out (FY2042 before
    # the change), so evaluate gives none and the chart draws no forecast line
    _model, progress = window_dx
    row = progress.indicators.set_index("indicator").loc["wait_min"]
    assert pd.isna(row["forecast_date"])
    ax = plot.indicator(progress, "wait_min")
    assert not _gid(ax.get_lines(), "forecast")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_title_and_legend_name_the_indicator_unit_and_status(window_dx: Any, lang: str) -> None:
    _model, progress = window_dx
    ax = plot.indicator(progress, "wait_min", lang=lang)
    title = ax.get_title()
    label = STATUS_LABELS[lang]["off_track"]
    assert title.startswith("窓口での平均待ち時間（分）\n")
    assert label in title.splitlines()[1]
    assert "57%" in title
    assert label in _line(ax, "actual").get_label()
    assert ax.get_ylabel() == "分"


def test_default_lang_is_the_progress_lang(window_dx: Any) -> None:
    model, _progress = window_dx
    english = lm.evaluate(model, sample_observations())
    assert "off track" in plot.indicator(english, "wait_min").get_title()


def test_indicator_without_data_draws_plan_and_says_no_data() -> None:
    model = _small_model()
    obs = pd.DataFrame({"indicator": ["adopted_n"], "period": ["FY2024"], "value": [4]})
    progress = lm.evaluate(model, obs, lang="ja")
    ax = plot.indicator(progress, "wait_min")
    assert _gid(ax.get_lines(), "actual") == []
    assert _gid(ax.get_lines(), "forecast") == []
    assert [t.get_text() for t in _gid(ax.texts, "no_data")] == ["データなし"]
    plan = _line(ax, "plan")
    assert [plan.get_ydata()[0], plan.get_ydata()[-1]] == [40.0, 15.0]
    assert "データなし" in ax.get_title()
    assert list(_line(ax, "targets").get_ydata()) == [15.0]


def test_indicator_without_target_draws_actuals_only() -> None:
    model = lm.LogicModel(
        id="m",
        title="t",
        nodes=[lm.Output(id="o"), lm.Outcome(id="u")],
        links=[lm.Link(source="o", target="u")],
        indicators=[lm.KPI(id="visits", measures="o", name="来庁者数", unit="人")],
    )
    obs = pd.DataFrame(
        {"indicator": "visits", "period": ["2025-04", "2025-05", "2025-06"], "value": [5, 7, 6]}
    )
    progress = lm.evaluate(model, obs, lang="ja")
    ax = plot.indicator(progress, "visits")
    for gid in ("plan", "targets", "baseline", "forecast"):
        assert _gid(ax.get_lines(), gid) == []
    assert list(_line(ax, "actual").get_ydata()) == [5.0, 7.0, 6.0]
    assert "目標なし" in ax.get_title()
    assert _gid(ax.texts, "no_data") == []


def test_indicator_per_org(with_orgs: Any) -> None:
    _model, progress = with_orgs
    # default: the top-level org (the prefecture), whose values are the children's mean
    ax = plot.indicator(progress, "wait_min")
    np.testing.assert_array_equal(
        _line(ax, "actual").get_ydata(), _series(progress, "wait_min", "P")["actual"].to_numpy()
    )
    assert "org P" in ax.get_title()
    ax = plot.indicator(progress, "wait_min", org="B")
    series = _series(progress, "wait_min", "B")
    np.testing.assert_array_equal(_line(ax, "actual").get_ydata(), [38.0, 33.0])
    np.testing.assert_array_equal(series["actual"].to_numpy(), [38.0, 33.0])
    assert "org B" in ax.get_title()
    assert "off track" in ax.get_title()
    plan = _line(ax, "plan")
    np.testing.assert_allclose(
        np.interp(_days(series["end"]), _days(plan.get_xdata()), plan.get_ydata()),
        series["planned"].to_numpy(),
    )
    # a city without a target of its own (additive indicator): actuals, no plan
    ax = plot.indicator(progress, "adopted_n", org="A")
    assert list(_line(ax, "actual").get_ydata()) == [2.0, 5.0]
    assert _gid(ax.get_lines(), "plan") == []


def test_indicator_for_a_japanese_municipality() -> None:
    model = _small_model()
    obs = pd.DataFrame(
        {
            "indicator": ["wait_min"] * 4,
            "org": ["131016", "011002"] * 2,
            "period": ["FY2024", "FY2024", "FY2025", "FY2025"],
            "value": [35, 38, 30, 33],
        }
    )
    progress = lm.evaluate(model, obs, hierarchy=lm.Hierarchy.japan(), lang="ja")
    ax = plot.indicator(progress, "wait_min", org="131016")
    assert list(_line(ax, "actual").get_ydata()) == [35.0, 30.0]
    assert "千代田区 (131016)" in ax.get_title()  # issue 10: names, not bare codes
    by_name = plot.indicator(progress, "wait_min", org="千代田区")
    assert list(_line(by_name, "actual").get_ydata()) == [35.0, 30.0]
    top = plot.indicator(progress, "wait_min")
    assert "全国 (JP)" in top.get_title()
    assert list(_line(top, "actual").get_ydata()) == [36.5, 31.5]


def test_unknown_indicator_and_org_name_the_nearest(window_dx: Any, with_orgs: Any) -> None:
    _model, progress = window_dx
    with pytest.raises(lm.UnknownIdError, match=r"'wait_mni'.*nearest known ids: 'wait_min'"):
        plot.indicator(progress, "wait_mni")
    with pytest.raises(LogicModelError, match="no organisations"):
        plot.indicator(progress, "wait_min", org="131016")
    _m, orgs = with_orgs
    with pytest.raises(lm.UnknownIdError, match=r"no org 'C'.*nearest known ids: 'A', 'B', 'P'"):
        plot.indicator(orgs, "wait_min", org="C")
    with pytest.raises(KeyError):  # also a KeyError for mapping-style callers
        plot.indicator(orgs, "wait_min", org="C")
    with pytest.raises(lm.ModelError, match="lang 'fr'"):
        plot.indicator(orgs, "wait_min", lang="fr")


def test_ax_is_drawn_into_or_a_new_figure_is_made(window_dx: Any) -> None:
    model, progress = window_dx
    given = Figure().subplots()
    assert plot.indicator(progress, "wait_min", ax=given) is given
    assert _gid(given.get_lines(), "actual")
    before = set(plt.get_fignums())
    made = plot.indicator(progress, "wait_min")
    assert made is not given
    assert set(plt.get_fignums()) - before
    given = Figure().subplots()
    assert plot.pathway(model, progress, ax=given) is given
    assert len(given.patches) > 0


def test_indicator_png_is_not_blank(window_dx: Any, tmp_path: Path) -> None:
    _model, progress = window_dx
    pixels = _png(plot.indicator(progress, "wait_min"), tmp_path / "wait.png")
    assert pixels.shape[0] > 100
    assert pixels.shape[1] > 100
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20
    assert _has_colour(pixels, STATUS_COLOURS["off_track"])  # the actual line


# -- pathway -----------------------------------------------------------------------------------------


def _boxes(ax: Any) -> dict[str, FancyBboxPatch]:
    return {
        p.get_gid().removeprefix("node:"): p
        for p in ax.patches
        if isinstance(p, FancyBboxPatch) and (p.get_gid() or "").startswith("node:")
    }


def test_pathway_boxes_are_coloured_by_node_status(window_dx: Any) -> None:
    model, progress = window_dx
    ax = plot.pathway(model, progress)
    boxes = _boxes(ax)
    assert sorted(boxes) == sorted(model.node_ids)
    nodes = progress.nodes.set_index("node")
    for node_id, box in boxes.items():
        assert box.get_facecolor() == to_rgba(STATUS_COLOURS[str(nodes.loc[node_id, "status"])])
    # the rolled-up percentage and status label in each box
    status_text = {t.get_gid(): t.get_text() for t in ax.texts}
    for node_id in model.node_ids:
        rolled = nodes.loc[node_id, "rolled"]
        label = STATUS_LABELS["ja"][str(nodes.loc[node_id, "status"])]
        expected = f"{label} –" if np.isnan(rolled) else f"{label} {rolled * 100:.0f}%"
        assert status_text[f"status:{node_id}"] == expected
    # several statuses are present: the check above compares more than one colour
    assert len({b.get_facecolor() for b in boxes.values()}) >= 4
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["順調", "要注意", "遅れ", "データなし"]


def test_pathway_arrows_are_the_links(window_dx: Any) -> None:
    model, progress = window_dx
    ax = plot.pathway(model, progress)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(model.links)
    assert sorted(a.get_gid() for a in arrows) == sorted(
        f"link:{k.source}->{k.target}" for k in model.links
    )


def test_pathway_columns_follow_kind_and_stage(window_dx: Any) -> None:
    model, _progress = window_dx
    ax = plot.pathway(model, lang="ja")
    order = {
        ("input", None): 0,
        ("activity", None): 1,
        ("output", None): 2,
        ("outcome", "short"): 3,
        ("outcome", "intermediate"): 4,
        ("outcome", "long"): 5,
        ("impact", None): 6,
    }
    boxes = _boxes(ax)
    rank = {n.id: order[(n.kind, getattr(n, "stage", None))] for n in model.nodes}
    x = {node_id: box.get_x() for node_id, box in boxes.items()}
    for a in model.node_ids:
        for b in model.node_ids:
            if rank[a] < rank[b]:
                assert x[a] < x[b]
            elif rank[a] == rank[b]:
                assert x[a] == x[b]
    columns = [t.get_text() for t in _gid(ax.texts, "column")]
    assert columns == [
        "インプット",
        "アクティビティ",
        "アウトプット",
        "短期アウトカム",
        "中期アウトカム",
        "長期アウトカム",
        "インパクト",
    ]


def test_pathway_without_progress_is_neutral(window_dx: Any) -> None:
    model, _progress = window_dx
    ax = plot.pathway(model)
    faces = {b.get_facecolor() for b in _boxes(ax).values()}
    assert len(faces) == 1
    assert faces.isdisjoint({to_rgba(c) for c in STATUS_COLOURS.values()})
    assert not [t for t in ax.texts if (t.get_gid() or "").startswith("status:")]
    assert ax.get_legend() is None
    assert next(t.get_text() for t in _gid(ax.texts, "column")) == "Inputs"
    assert ax.get_title() == model.title


def test_pathway_per_org(with_orgs: Any) -> None:
    model, progress = with_orgs
    nodes = progress.nodes
    for org in ("P", "B"):
        ax = plot.pathway(model, progress, org=org)
        rows = nodes[nodes["org"] == org].set_index("node")
        for node_id, box in _boxes(ax).items():
            assert box.get_facecolor() == to_rgba(STATUS_COLOURS[str(rows.loc[node_id, "status"])])
    # B's outcome is off track while P's is at risk: the org changed the drawing
    colours = {
        org: _boxes(plot.pathway(model, progress, org=org))["wait"].get_facecolor()
        for org in ("P", "B")
    }
    assert colours == {
        "P": to_rgba(STATUS_COLOURS["at_risk"]),
        "B": to_rgba(STATUS_COLOURS["off_track"]),
    }
    assert "org P" in plot.pathway(model, progress).get_title()


def test_pathway_bad_input(window_dx: Any, with_orgs: Any) -> None:
    model, progress = window_dx
    small, orgs = with_orgs
    with pytest.raises(lm.UnknownIdError, match=r"no org 'Q'.*nearest known ids"):
        plot.pathway(small, orgs, org="Q")
    with pytest.raises(lm.ModelError, match=r"progress of model 'm' has no rows for node\(s\)"):
        plot.pathway(model, orgs)
    with pytest.raises(lm.ModelError, match="needs progress"):
        plot.pathway(model, org="P")
    with pytest.raises(lm.ModelError, match="lang"):
        plot.pathway(model, progress, lang="de")


def test_pathway_png_shows_the_status_colours(window_dx: Any, tmp_path: Path) -> None:
    model, progress = window_dx
    pixels = _png(plot.pathway(model, progress), tmp_path / "pathway.png")
    for status in ("on_track", "at_risk", "off_track", "no_data"):
        assert _has_colour(pixels, STATUS_COLOURS[status]), status
    assert not _has_colour(pixels, STATUS_COLOURS["achieved"])  # no node achieved
    blank = _png(Figure().subplots(), tmp_path / "blank.png")
    assert not _has_colour(blank, STATUS_COLOURS["off_track"])


# -- Japanese text -------------------------------------------------------------------------------


def _render(ax: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax.figure.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught]


def test_japanese_renders_with_the_bundled_font(window_dx: Any) -> None:
    model, progress = window_dx
    family_before = list(matplotlib.rcParams["font.family"])
    for ax in (plot.indicator(progress, "wait_min"), plot.pathway(model, progress)):
        assert _render(ax) == []
        font = font_manager.findfont(ax.title.get_fontproperties())
        assert Path(font).name == "ipaexg.ttf"
        for text in ax.texts:
            assert Path(font_manager.findfont(text.get_fontproperties())).name == "ipaexg.ttf"
    # the caller's global font settings are left as they were
    assert list(matplotlib.rcParams["font.family"]) == family_before


def test_the_missing_glyph_check_can_fail() -> None:
    # the same title in matplotlib's default font warns: the check above is not vacuous
    ax = Figure().subplots()
    ax.set_title("窓口での平均待ち時間", fontfamily="DejaVu Sans")
    assert any("missing from font" in m for m in _render(ax))


def test_plan_follows_per_org_targets_given_as_observations(with_orgs: Any) -> None:
    # city A has its own targets (kind=target), including an intermediate one the model lacks:
    # the plan line still passes through every planned value of A's history
    model, _progress = with_orgs
    tree = lm.Hierarchy.from_frame(
        pd.DataFrame(
            {"code": ["P", "A", "B"], "parent": ["", "P", "P"], "level": ["pref", "city", "city"]}
        )
    )
    obs = pd.DataFrame(
        {
            "indicator": "wait_min",
            "org": ["A", "A", "A", "A", "A"],
            "period": ["FY2024", "FY2025", "FY2026", "FY2024", "FY2027"],
            "value": [35, 30, 29, 30, 18],
            "kind": ["actual", "actual", "actual", "target", "target"],
        }
    )
    progress = lm.evaluate(model, obs, hierarchy=tree)
    series = _series(progress, "wait_min", "A")
    ax = plot.indicator(progress, "wait_min", org="A")
    plan = _line(ax, "plan")
    np.testing.assert_allclose(
        np.interp(_days(series["end"]), _days(plan.get_xdata()), plan.get_ydata()),
        series["planned"].to_numpy(),
    )
    assert plan.get_ydata()[-1] == 18.0
    # every target the evaluation used for A is drawn (progress.points), not only the final one
    assert list(_line(ax, "targets").get_ydata()) == [30.0, 18.0]
    drawn = progress.points[(progress.points["org"] == "A").to_numpy()]
    assert list(drawn.loc[drawn["kind"] == "target", "value"]) == [30.0, 18.0]


def test_a_progress_kept_to_one_org_or_level_draws_that_org(with_orgs: Any) -> None:
    model, progress = with_orgs
    ax = plot.indicator(progress.org("B"), "wait_min")
    assert list(_line(ax, "actual").get_ydata()) == [38.0, 33.0]
    ax = plot.pathway(model, progress.at("city"))
    assert "org A" in ax.get_title()
    assert _boxes(ax)["wait"].get_facecolor() == to_rgba(STATUS_COLOURS["at_risk"])
