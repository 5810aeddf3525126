"""``lm.plot`` in a real Jupyter kernel (issue 11): every figure of a notebook is displayed.

The notebook is executed by nbclient in an ipykernel with the inline backend, as Jupyter runs it.
Before the fix, the first ``lm.plot`` figure of a session was created inside ``rc_context``, which
rolled back the interactive mode the inline backend switched on when pyplot loaded it, and no
later figure (not even ``plt.plot``) was displayed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")  # the dev extra installs nbclient/nbformat/ipykernel
nbclient = pytest.importorskip("nbclient")

CELLS = [
    "import logicmodel as lm\n"
    "from logicmodel.testing import sample_model, sample_observations\n"
    "model = sample_model()\n"
    "progress = lm.evaluate(model, sample_observations())",
    "ax = lm.plot.indicator(progress, 'adopted_n')",
    "ax = lm.plot.pathway(model, progress)",
    "import matplotlib.pyplot as plt\nline = plt.plot([1, 2, 3], [3, 1, 2])",
]


def test_three_figures_in_a_row_are_all_displayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    # the kernel process inherits PYTHONPATH: it imports this checkout's logicmodel, as pytest does
    src = str(Path(__file__).resolve().parents[1] / "src")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)
    )
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    images = [
        [o for o in cell.outputs if "image/png" in o.get("data", {})] for cell in nb.cells[1:]
    ]
    errors = [o for cell in nb.cells for o in cell.outputs if o.get("output_type") == "error"]
    assert errors == []
    assert [len(i) for i in images] == [1, 1, 1]
