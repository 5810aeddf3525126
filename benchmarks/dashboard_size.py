"""The national dashboard's size and first paint (issue 11; DESIGN §4.6).

Subject: ``lm.dashboard(model, progress, path)`` for the national picture — the 100-node,
30-indicator model of ``_common.py``, 1,741 municipalities × 36 months (FY2022–FY2024) evaluated
with ``hierarchy=lm.Hierarchy.japan()`` — and the file opened from disk in headless Chromium.

Budget: the file ≤ 5 MB; first paint < 2 s. Reported: the file size (and the JSON data in it),
the time to write it, and in Chromium the first contentful paint and the moment the page's script
has drawn the first view (``performance.mark("lm-rendered")``), each against the same figures for
the bundled example's dashboard measured in the same run (the reference: a page of the same
code with almost no data).

Run: ``python benchmarks/dashboard_size.py [--months 36] [--scale 1.0]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _common import build_model, fmt_bytes, monthly_observations

import logicmodel as lm
from logicmodel.testing import sample_model, sample_observations

PAINT = """
new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const drawn = performance.getEntriesByName('lm-rendered')[0];
  r({fcp: fcp ? fcp.startTime : null, rendered: drawn ? drawn.startTime : null,
     load: nav ? nav.loadEventEnd : null, cards: document.querySelectorAll('.card').length,
     tiles: document.querySelectorAll('#tiles button').length});
})))
"""


def paint(browser: object, path: Path, repeat: int) -> dict[str, float]:
    """Best (lowest) of ``repeat`` cold opens of ``path`` in a new tab."""
    from test_dashboard_browser import opened

    best: dict[str, float] = {}
    for _ in range(repeat):
        with opened(browser, path) as page:  # type: ignore[arg-type]
            got = page.evaluate(PAINT)
            assert page.problems() == [], page.problems()
        for key, value in got.items():
            if value is not None:
                best[key] = min(best.get(key, float("inf")), float(value))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="share of the 1,741 municipalities"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    hierarchy = lm.Hierarchy.japan()
    frame = hierarchy.to_frame()
    munis = list(frame.loc[frame["level"] == "municipality", "code"])
    munis = munis[: max(1, round(len(munis) * args.scale))]
    model = build_model()
    obs = monthly_observations(model, munis, months=120)
    last = sorted(obs["period"].unique())[-args.months :]
    obs = obs[obs["period"].isin(last)].reset_index(drop=True)
    print(
        f"{len(munis):,} municipalities × {len(model.indicators)} indicators × {args.months} months: {len(obs):,} rows"
    )
    t0 = time.perf_counter()
    progress = lm.evaluate(model, obs, hierarchy=hierarchy)
    print(f"evaluate: {time.perf_counter() - t0:.1f} s; findings: {len(progress.findings):,}")

    out = Path(tempfile.mkdtemp())
    national = out / "national.html"
    t0 = time.perf_counter()
    text = lm.dashboard(model, progress, national)
    written = time.perf_counter() - t0
    size = national.stat().st_size
    start = text.index('id="lm-data">') + len('id="lm-data">')
    data = len(text[start : text.index("</script>", start)].encode())
    print(
        f"dashboard: {fmt_bytes(size)} ({size:,} bytes; JSON data {fmt_bytes(data)}); written in {written:.1f} s; budget 5 MB: {'ok' if size <= 5_000_000 else 'OVER'}"
    )

    demo = out / "demo.html"
    small = sample_model()
    lm.dashboard(small, lm.evaluate(small, sample_observations()), demo)
    print(f"reference (bundled example): {fmt_bytes(demo.stat().st_size)}")

    from test_dashboard_browser import Chromium

    executable = shutil.which("chromium")
    if executable is None:
        print("no chromium on PATH: first paint not measured")
        return
    browser = Chromium(executable, Path(tempfile.mkdtemp()))
    try:
        ref = paint(browser, demo, args.repeat)
        got = paint(browser, national, args.repeat)
    finally:
        browser.close()
    for key, what in (("fcp", "first contentful paint"), ("rendered", "first view drawn")):
        print(
            f"{what}: national {got[key]:.0f} ms, example {ref[key]:.0f} ms, ratio {got[key] / ref[key]:.1f}×"
        )
    print(
        f"budget: first paint < 2,000 ms: {'ok' if got['fcp'] < 2000 else 'OVER'}; cards {got['cards']:.0f}, tiles {got['tiles']:.0f}"
    )


if __name__ == "__main__":
    main()
