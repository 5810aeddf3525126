"""The README's quick start runs as written (in a temporary folder, charts on the Agg backend)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quick_start_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no python block"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme"}
    try:
        exec(compile(blocks[0], str(README), "exec"), namespace)  # our own README
    finally:
        plt.close("all")
    # what the block says it does happened
    assert (tmp_path / "window_dx.yaml").is_file()
    assert (tmp_path / "dashboard.html").stat().st_size > 1000
    progress = namespace["progress"]
    assert set(progress.indicators["indicator"]) == {"adopted_n", "wait_min"}  # type: ignore[attr-defined]
    wait = progress.indicators.set_index("indicator").loc["wait_min"]  # type: ignore[attr-defined]
    assert wait["actual"] == pytest.approx(33.0)  # 0.55 時間 → 33 分
