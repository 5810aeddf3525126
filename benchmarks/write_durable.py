"""What durability costs: ``lm.dump`` and ``lm.io.to_csv`` against a plain, non-durable write.

The writers go through :mod:`logicmodel.io.atomic` (temporary file, ``fsync``, rename, ``fsync`` of
the folder). The reference writes the same bytes with ``Path.write_bytes`` (no temporary file, no
``fsync``) in the same run, after the same serialisation (``to_csv`` also neutralises formulas,
which the reference does not); the ratio is what the guarantees cost on this machine's disk.

    python benchmarks/write_durable.py [--nodes 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import logicmodel as lm
from logicmodel.io.atomic import atomic_write


def _best(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    model = lm.LogicModel(
        id="big",
        title="大きなモデル",
        nodes=[lm.Activity(id=f"a{i}", label=f"活動{i}") for i in range(args.nodes)],
    )
    frame = pd.DataFrame({"id": [f"a{i}" for i in range(args.nodes)], "v": range(args.nodes)})
    folder = Path(tempfile.mkdtemp())
    text = lm.io.to_yaml(model).encode()
    csv = frame.to_csv(index=False, lineterminator="\r\n").encode()
    assert lm.load(lm.dump(model, folder / "m.yaml")) == model
    rows = [
        ("serialise YAML (to_yaml)", _best(lambda: lm.io.to_yaml(model), args.repeat), None),
        (
            f"lm.dump YAML ({len(text) / 1e6:.1f} MB)",
            _best(lambda: lm.dump(model, folder / "m.yaml"), args.repeat),
            _best(
                lambda: (folder / "plain.yaml").write_bytes(lm.io.to_yaml(model).encode()),
                args.repeat,
            ),
        ),
        (
            f"atomic_write bytes ({len(text) / 1e6:.1f} MB)",
            _best(lambda: atomic_write(folder / "b.yaml", text), args.repeat),
            _best(lambda: (folder / "plain.yaml").write_bytes(text), args.repeat),
        ),
        (
            f"lm.io.to_csv vs DataFrame.to_csv ({len(csv) / 1e6:.2f} MB)",
            _best(lambda: lm.io.to_csv(frame, folder / "f.csv"), args.repeat),
            _best(
                lambda: (folder / "plain.csv").write_bytes(
                    frame.to_csv(index=False, lineterminator="\r\n").encode()
                ),
                args.repeat,
            ),
        ),
    ]
    print(f"{'what':40} {'durable s':>10} {'plain s':>10} {'ratio':>7}")
    for what, ours, ref in rows:
        if ref is None:
            print(f"{what:40} {ours:10.4f}")
        else:
            print(f"{what:40} {ours:10.4f} {ref:10.4f} {ours / ref:7.2f}")


if __name__ == "__main__":
    main()
