"""The Python blocks of the user guide pages run as written and print what the pages say.

Each page runs in its own interpreter (pages define units and write files), in a temporary folder
holding a copy of ``examples/``, with its blocks in order in one namespace. A page whose blocks use
names the page introduces in prose (``model``, ``obs``) gets them from a short prelude here.
``docs/engines.md`` (a cluster and S3) and the format pages (files from other systems, doctest
sessions) are left out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_MODEL = """
import logicmodel as lm
import pandas as pd
model = lm.load("examples/window-dx/model.yaml")
obs = observations = lm.read_observations("examples/window-dx/observations.csv")
"""

_ORGS = """
import logicmodel as lm
import pandas as pd
from logicmodel.testing import sample_model, sample_observations
model = sample_model()
one = sample_observations()
observations = pd.concat([one.assign(org=code) for code in ("131016", "131024", "011002")])
"""

_WRITING = (
    _MODEL
    + """
frame = pd.DataFrame({"a": [1, 2]})
from logicmodel.evaluation.rollup import AGGREGATORS
my_min = AGGREGATORS["min"]
def no_owner(model):
    return []
"""
)

# page -> (prelude, exception a block is documented to raise, or "")
PAGES: dict[str, tuple[str, str]] = {
    "progress.md": ("", ""),
    "units.md": ("", ""),
    "evidence.md": ("", ""),
    "plot.md": ("", ""),
    "checks.md": (_MODEL, "CheckError"),  # report.raise_for_errors() on examples/broken.yaml
    "limits.md": (_MODEL + 'lm.io.write_excel(model, "national.xlsx", observations=obs)\n', ""),
    "writing.md": (_WRITING, ""),
    "dashboard.md": (_ORGS, ""),
}

_DRIVER = """
import contextlib, io, json, re, sys
import matplotlib
matplotlib.use("Agg")
import logicmodel as lm
page, prelude, expected = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(page, encoding="utf-8").read()
blocks = re.findall(r"```python\\n(.*?)```", text, re.S)
ns = {"__name__": "docs"}
exec(prelude, ns)
printed, raised = [], []
for i, block in enumerate(blocks):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"{page} block {i}", "exec"), ns)
    except Exception as err:
        if type(err).__name__ != expected:
            raise
        raised.append(type(err).__name__)
    printed.append(out.getvalue())
print(json.dumps({"blocks": len(blocks), "printed": printed, "raised": raised}))
"""


def _run(page: str, tmp_path: Path) -> dict[str, object]:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    prelude, expected = PAGES[page]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _DRIVER,
            str(ROOT / "docs" / page),
            textwrap.dedent(prelude),
            expected,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    assert result["blocks"], f"docs/{page} has no python block"
    assert result["raised"] == ([expected] if expected else [])
    return result


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_blocks_run(page: str, tmp_path: Path) -> None:
    _run(page, tmp_path)
    if page == "dashboard.md":
        for name in ("national.html", "chiyoda.html"):
            assert (tmp_path / name).stat().st_size > 10_000
        assert "千代田区" in (tmp_path / "chiyoda.html").read_text(encoding="utf-8")
    if page == "limits.md":
        assert (tmp_path / "national.xlsx").is_file()


def test_evidence_page_prints_what_it_shows(tmp_path: Path) -> None:
    """The commented lines under ``print(ev.summary("ja"))`` are what it prints."""
    text = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    block = re.findall(r"```python\n(.*?)```", text, re.S)[0]
    after = block.split('print(ev.summary("ja"))\n', 1)[1]
    shown = [line[2:] for line in after.splitlines() if line.startswith("# ")]
    assert len(shown) >= 4
    printed = _run("evidence.md", tmp_path)["printed"]
    assert isinstance(printed, list)
    assert printed[0].splitlines() == shown
