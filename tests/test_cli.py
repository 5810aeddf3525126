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


def test_check_invalid_model_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: m\ntitle: t\nnodes: [{id: a, kind: widget}, {id: 1b, kind: input}]\n", encoding="utf-8"
    )
    assert main(["check", str(path)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "nodes[0] (id 'a')" in line
    assert "'widget'" in line
    assert "nodes[1]" in line


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
