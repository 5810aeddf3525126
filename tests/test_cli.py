"""The command line (DESIGN §4.7), called in-process through ``main([...])``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import logicmodel as lm
from logicmodel.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "window-dx" / "model.yaml"

BROKEN = """id: m
title: broken
nodes:
  - {id: a, kind: activity}
  - {id: o, kind: output}
  - {id: lonely, kind: output}
links:
  - {source: a, target: o}
"""


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("logicmodel: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_check_ok_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("0 errors, 0 warnings, 0 info")


def test_check_finds_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "LM105" in out
    assert "node 'lonely'" in out


def test_check_formats_and_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["check", str(path), "--format", "json", "--lang", "ja"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert any(i["code"] == "LM105" and "つながり" in i["message"] for i in payload["issues"])
    assert main(["check", str(path), "--format", "csv", "--select", "LM105"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("code,severity,where,message")
    assert all(line.startswith("LM105,") for line in lines[1:])
    assert main(["check", str(path), "--ignore", "LM1,LM2,LM4"]) == 0
    capsys.readouterr()


def test_check_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "no/such/model.yaml"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "no/such/model.yaml" in line
    assert "not found" in line


def test_check_invalid_model_is_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: m\ntitle: t\nnodes: [{id: a, kind: widget}, {id: 1b, kind: input}]\n", encoding="utf-8"
    )
    assert main(["check", str(path)]) == 2
    # issue 12: several problems are printed one per line (no longer joined by "; ")
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 3, err
    assert lines[0].startswith("logicmodel: error: ")
    assert "nodes[0] (id 'a')" in lines[1]
    assert "'widget'" in lines[1]
    assert "nodes[1]" in lines[2]
    assert "Traceback" not in err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--debug", "missing.yaml"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.strip().splitlines()[-1].startswith("logicmodel: error: ")


def test_bad_selector_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE), "--select", "LMX9"]) == 2
    assert "'LMX9'" in _one_error_line(capsys.readouterr().err)
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main([]) == 2
    capsys.readouterr()
    assert main(["--help"]) == 0
    assert "check" in capsys.readouterr().out


def test_schema_is_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == lm.json_schema()
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema


def test_convert_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    as_json, as_yaml = tmp_path / "m.json", tmp_path / "m.yaml"
    assert main(["convert", str(EXAMPLE), str(as_json)]) == 0
    assert main(["convert", str(as_json), str(as_yaml)]) == 0
    assert capsys.readouterr().err.count("wrote ") == 2
    assert lm.load(as_yaml) == lm.load(EXAMPLE)
    assert json.loads(as_json.read_text(encoding="utf-8"))["id"] == "window_dx"
    assert main(["convert", str(as_json), str(tmp_path / "m.txt")]) == 2
    assert "'.txt'" in _one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "m.txt").exists()


def test_convert_refuses_same_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(EXAMPLE), str(EXAMPLE)]) == 2
    assert "same file" in _one_error_line(capsys.readouterr().err)


def test_template_needs_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", str(tmp_path / "t.csv")]) == 2
    assert ".xlsx" in _one_error_line(capsys.readouterr().err)


def test_demo_writes_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    assert {"model.yaml", "pathway.mmd", "pathway.dot", "check.txt"} <= set(names)
    assert str(out / "model.yaml") in printed
    assert lm.load(out / "model.yaml") == lm.load(EXAMPLE)
    mermaid = (out / "pathway.mmd").read_text(encoding="utf-8")
    assert mermaid.startswith("flowchart LR\n")
    assert "窓口での待ち時間の短縮" in mermaid
    assert "0 errors" in (out / "check.txt").read_text(encoding="utf-8")
    # the main job: progress of the bundled observations and the offline dashboard
    assert {"progress.csv", "dashboard.html", "observations.csv"} <= set(names)
    assert "progress as of 2027-03-31" in printed
    page = (out / "dashboard.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "窓口での平均待ち時間" in page
    assert "https://" not in page
    assert "http://" not in page
    # the progress CSV is BOM-prefixed UTF-8 so Excel shows the Japanese names
    assert (out / "progress.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # charts: the pathway and one per KGI, real PNG images
    kgis = sorted(f"kgi_{i.id}.png" for i in lm.load(EXAMPLE).indicators if i.role == "KGI")
    assert kgis
    assert {"pathway.png", *kgis} <= set(names)
    from PIL import Image

    for name in ["pathway.png", *kgis]:
        assert str(out / name) in printed
        with Image.open(out / name) as image:
            assert image.format == "PNG"
            assert len(image.getcolors(maxcolors=1 << 20) or ()) > 20  # not a blank page


def test_check_with_observations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text("indicator,org,period,value\nadopted_n,011002,FY2024,300\n", encoding="utf-8")
    assert main(["check", str(EXAMPLE), "--observations", str(obs)]) == 0
    capsys.readouterr()
    obs.write_text(
        "indicator,org,period,value\nadopted_n,011002,FY2024,300\nnope,011002,FY2024,1\n",
        encoding="utf-8",
    )
    assert main(["check", str(EXAMPLE), "--observations", str(obs)]) == 1
    assert "LM301" in capsys.readouterr().out


def test_check_org_codes_against_japan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``check --hierarchy japan``: every bad org code with its file lines (header = line 1)."""
    obs = tmp_path / "obs.csv"
    obs.write_text(
        "indicator,org,period,value\n"
        "adopted_n,011002,FY2024,300\n"  # line 2: 札幌市
        "adopted_n,011003,FY2024,3\n"  # line 3: wrong check digit (011002)
        "adopted_n,999999,FY2024,1\n"  # line 4: no such code
        "adopted_n,011003,FY2023,3\n",  # line 5: the same wrong digit again
        encoding="utf-8",
    )
    # without the hierarchy the codes are not checked
    assert main(["check", str(EXAMPLE), "--observations", str(obs)]) == 0
    capsys.readouterr()
    assert main(["check", str(EXAMPLE), "--observations", str(obs), "--hierarchy", "japan"]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("LM309")]
    assert len(lines) == 2
    assert "lines 3, 5:" in lines[0]
    assert "'011003'" in lines[0]
    assert "the code is '011002'" in lines[0]
    assert "line 4:" in lines[1]
    assert "'999999' is not a code" in lines[1]
    # a hierarchy without observations to check is a usage error
    assert main(["check", str(EXAMPLE), "--hierarchy", "japan"]) == 2
    assert "--observations" in _one_error_line(capsys.readouterr().err)


def test_evaluate_prints_who_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """3 of the 1,741 municipalities report: the national total says so and is not judged."""
    model = tmp_path / "m.yaml"
    model.write_text(
        "id: m\ntitle: t\nnodes:\n  - {id: a, kind: activity}\n  - {id: o, kind: outcome}\n"
        "links:\n  - {source: a, target: o}\nindicators:\n"
        "  - {id: n, role: KGI, measures: o, unit: 件, baseline: {period: FY2023, value: 0},\n"
        "     targets: [{period: FY2025, value: 120}]}\n",
        encoding="utf-8",
    )
    obs = tmp_path / "obs.csv"
    obs.write_text(
        "indicator,org,period,value\nn,016616,FY2024,10\nn,011002,FY2024,20\nn,131016,FY2024,30\n",
        encoding="utf-8",
    )
    args = ["evaluate", str(model), str(obs), "--hierarchy", "japan", "--lang", "ja"]
    assert main(args) == 0
    out = capsys.readouterr().out
    # 10 + 20 + 30 = 60 of 120: 50.0%, from 3 of 1,741 municipalities → 集計中
    assert "3/1,741団体" in out
    assert "集計中" in out
    assert "50.0%" in out
    # judged once 0.1% is enough: 3/1,741 = 0.17%, on plan (60 against 0 → 120 halfway) → 順調
    assert main([*args, "--min-coverage", "0.001"]) == 0
    out = capsys.readouterr().out
    assert "順調" in out
    assert "集計中" not in out
    assert main([*args, "--min-coverage", "2"]) == 2
    assert "min_coverage" in _one_error_line(capsys.readouterr().err)


OBS = Path(__file__).resolve().parents[1] / "examples" / "window-dx" / "observations.csv"
RS_DIR = Path(__file__).resolve().parent / "data" / "rs"
IATI_SAMPLE = Path(__file__).resolve().parent / "data" / "iati" / "mapping.xml"


def test_evaluate_prints_summary_and_writes_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", str(EXAMPLE), str(OBS), "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "窓口での平均待ち時間" in out
    assert "遅れ" in out
    csv = tmp_path / "p.csv"
    assert main(["evaluate", str(EXAMPLE), str(OBS), "--as-of", "FY2025", "-o", str(csv)]) == 0
    import pandas as pd

    frame = pd.read_csv(csv, dtype=str, encoding="utf-8-sig")
    wait = frame.set_index("indicator").loc["wait_min"]
    assert wait["period"] == "2026-03"
    xlsx = tmp_path / "p.xlsx"
    assert main(["evaluate", str(EXAMPLE), str(OBS), "-o", str(xlsx)]) == 0
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"indicators", "nodes", "history", "milestones", "findings"} <= set(sheets)
    parquet = tmp_path / "p.parquet"
    assert main(["evaluate", str(EXAMPLE), str(OBS), "-o", str(parquet)]) == 0
    assert len(pd.read_parquet(parquet)) == len(sheets["indicators"])


def test_evaluate_bad_observations_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "obs.csv"
    bad.write_text("indicator,period,value\nwait_min,FY2024,abc\n", encoding="utf-8")
    assert main(["evaluate", str(EXAMPLE), str(bad)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "LM303" in line
    capsys.readouterr()
    assert main(["evaluate", str(EXAMPLE), str(OBS), "-o", str(tmp_path / "p.txt")]) == 2
    assert ".csv, .parquet or .xlsx" in _one_error_line(capsys.readouterr().err)


def test_dashboard_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.html"
    assert main(["dashboard", str(EXAMPLE), str(OBS), "-o", str(out)]) == 0
    assert "政策ダッシュボード" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["dashboard", str(EXAMPLE), str(OBS), "-o", str(tmp_path / "d.pdf")]) == 2
    assert ".html" in _one_error_line(capsys.readouterr().err)


def test_convert_rs_and_iati(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # several projects in the RS files: the CLI asks which one
    assert main(["convert", f"rs:{RS_DIR}", str(tmp_path / "m.yaml")]) == 2
    assert "--project" in _one_error_line(capsys.readouterr().err)
    projects = lm.io.read_rs(RS_DIR)
    pid = next(iter(projects))
    xlsx = tmp_path / "m.xlsx"
    assert main(["convert", f"rs:{RS_DIR}", str(xlsx), "--project", pid]) == 0
    data = lm.io.read_excel(xlsx)
    assert data.model == projects[pid].model
    assert main(["convert", str(xlsx), f"rs:{tmp_path / 'rs'}", "--project", pid]) == 0
    again = lm.io.read_rs(tmp_path / "rs", project=pid)
    assert [n.id for n in again.model.nodes] == [n.id for n in projects[pid].model.nodes]
    # IATI in and out
    first = lm.io.read_iati(IATI_SAMPLE)[0]
    out_xml = tmp_path / "a.xml"
    assert main(["convert", str(IATI_SAMPLE), str(out_xml), "--project", first.model.id]) == 0
    assert lm.io.read_iati(out_xml)[0].model.id == first.model.id


def test_dashboard_for_one_organisation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--org``: that organisation's own file (its code first in the page's data)."""
    import pandas as pd

    obs = pd.read_csv(OBS, dtype=str, keep_default_na=False)
    with_orgs = tmp_path / "obs.csv"
    pd.concat([obs.assign(org="131016"), obs.assign(org="131024")]).to_csv(with_orgs, index=False)
    out = tmp_path / "tokyo.html"
    args = ["dashboard", str(EXAMPLE), str(with_orgs), "--hierarchy", "japan", "-o", str(out)]
    assert main([*args, "--org", "130001"]) == 0
    page = out.read_text(encoding="utf-8")
    start = page.index('id="lm-data">') + len('id="lm-data">')
    data = json.loads(page[start : page.index("</script>", start)])
    assert data["orgs"]["code"] == ["130001", "131016", "131024"]
    assert data["orgs"]["name"] == ["東京都", "千代田区", "中央区"]
    capsys.readouterr()
    assert main([*args, "--org", "271004"]) == 2  # 大阪市 has no rows here
    assert "271004" in _one_error_line(capsys.readouterr().err)


def test_progress_into_a_log_is_one_line_per_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """stderr captured (not a terminal, like a log file): no carriage-return updates."""
    obs = EXAMPLE.parent / "observations.csv"
    assert (
        main(["evaluate", str(EXAMPLE), str(obs), "--progress", "-o", str(tmp_path / "p.csv")]) == 0
    )
    err = capsys.readouterr().err
    assert "\r" not in err
    steps = [line for line in err.splitlines() if line.startswith("[")]
    assert [s.split(" … ")[0] for s in steps] == [
        "[1/4] reading model.yaml",
        "[2/4] reading observations.csv",
        "[3/4] evaluating 333 observation rows",
        "[4/4] writing p.csv",
    ]
    assert all(" … done in " in s for s in steps)


def test_warnings_are_the_commands_own_lines(tmp_path: Path) -> None:
    """A ConversionWarning reads like the errors: ``logicmodel: warning: …``, one line per
    problem, not Python's ``cli.py:220: ConversionWarning:`` with a line of source."""
    import os
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[1] / "src"
    done = subprocess.run(
        [sys.executable, "-m", "logicmodel.cli", "convert", str(EXAMPLE), f"rs:{tmp_path / 'rs'}"],
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "logicmodel: warning: RS sheets cannot hold all of model 'window_dx':"
    assert "  - input 'grant' is written as an activity (RS has no inputs)" in lines
    assert "ConversionWarning" not in done.stderr
    assert ".py:" not in done.stderr
    assert lines[-1].startswith("wrote ")


def test_convert_notes_lost_observations_only_when_there_are_some(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: ``note: 0 observation rows are not part of a .yaml model file``."""
    xml = tmp_path / "m.xml"
    assert main(["convert", str(EXAMPLE), str(xml)]) == 0
    capsys.readouterr()
    assert main(["convert", str(xml), str(tmp_path / "m.yaml")]) == 0
    assert "note:" not in capsys.readouterr().err
    xlsx = tmp_path / "with_obs.xlsx"
    model = lm.load(EXAMPLE)
    lm.io.write_excel(model, xlsx, observations=lm.read_observations(OBS))
    assert main(["convert", str(xlsx), str(tmp_path / "m2.yaml")]) == 0
    assert "note: 333 observation rows are not part of a .yaml model file" in (
        capsys.readouterr().err
    )


def test_evaluate_speaks_the_language_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(EXAMPLE), str(OBS), "--lang", "ja"]) == 0
    out, err = capsys.readouterr()
    assert out.split()[:3] == ["指標", "名称", "区分"]
    assert err.strip() == "基準日 2027-03-31: 所見 6 件"  # before: "as of …: 6 finding(s)"
    assert main(["evaluate", str(EXAMPLE), str(OBS)]) == 0
    assert capsys.readouterr().err.strip() == "as of 2027-03-31: 6 finding(s)"


def test_a_folder_given_as_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: ``unknown model file suffix ''``."""
    assert main(["check", str(tmp_path)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert (
        line
        == f"logicmodel: error: {tmp_path}: is a folder; expected a model file (.yaml, .yml, .json, .xlsx)"
    )


def test_progress_of_a_failing_step_does_not_say_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,period,value\nnope,2024-13,abc\n", encoding="utf-8")
    assert main(["evaluate", str(EXAMPLE), str(bad), "--progress"]) == 2
    err = capsys.readouterr().err
    assert "[3/3] evaluating 1 observation rows … failed after" in err  # before: "… done in"
    assert err.count("done in") == 2  # reading the model and the observations
    assert err.strip().splitlines()[-4].startswith("logicmodel: error: 3 error(s) found")
