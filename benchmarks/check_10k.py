"""Load and check a generated 10,000-node logic model (DESIGN §6: load < 2 s, check < 1 s).

Run: ``python benchmarks/check_10k.py [--nodes 10000]``. Prints the min of 3 runs of ``lm.load``
(YAML) and ``lm.check``, their ratios to the targets, and references measured in the same run:
``yaml.safe_load`` / our YAML loader on the same file, and building the ``networkx.DiGraph``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

import logicmodel as lm

TARGET_LOAD_S = 2.0
TARGET_CHECK_S = 1.0

# share of nodes per layer, in pathway order
LAYERS: tuple[tuple[str, str | None, float], ...] = (
    ("input", None, 0.08),
    ("activity", None, 0.22),
    ("output", None, 0.25),
    ("outcome", "short", 0.18),
    ("outcome", "intermediate", 0.14),
    ("outcome", "long", 0.10),
    ("impact", None, 0.03),
)
UNITS = ("件", "人", "団体", "%", "分", "円", "時間")


def generate(n_nodes: int, *, seed: int = 0) -> dict[str, Any]:
    """A layered model as plain data: ~2 links into each node from the previous layers, an
    indicator on ~30 % of the nodes, one milestone per 100 nodes."""
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = []
    layers: list[list[str]] = []
    for kind, stage, share in LAYERS:
        ids = []
        for _ in range(max(1, round(n_nodes * share))):
            node_id = f"n{len(nodes)}"
            node: dict[str, Any] = {"id": node_id, "kind": kind, "label": f"ノード{len(nodes)}"}
            if stage:
                node["stage"] = stage
            nodes.append(node)
            ids.append(node_id)
        layers.append(ids)
    links = []
    for k in range(1, len(layers)):
        for target in layers[k]:
            sources = {rng.choice(layers[k - 1])}
            if rng.random() < 0.5:
                sources.add(rng.choice(layers[max(0, k - 2)]))
            for source in sources:
                links.append({"source": source, "target": target, "weight": rng.choice((1, 1, 2))})
        # every node of the previous layer leads somewhere
        for source in layers[k - 1]:
            target = rng.choice(layers[k])
            link = {"source": source, "target": target}
            if all((x["source"], x["target"]) != (source, target) for x in links[-4:]):
                links.append(link)
    seen: set[tuple[str, str]] = set()
    links = [
        x
        for x in links
        if (x["source"], x["target"]) not in seen and not seen.add((x["source"], x["target"]))
    ]  # type: ignore[func-returns-value]
    measured = [n["id"] for n in nodes if n["kind"] != "input"]
    indicators = []
    for k, node_id in enumerate(rng.sample(measured, k=min(len(measured), int(n_nodes * 0.3)))):
        unit = rng.choice(UNITS)
        base = rng.uniform(10, 100)
        down = unit == "分"
        indicators.append(
            {
                "id": f"i{k}",
                "measures": node_id,
                "name": f"指標{k}",
                "unit": unit,
                "role": "KGI" if k % 50 == 0 else "KPI",
                "direction": "decrease" if down else "increase",
                "aggregation": "mean" if unit in ("%", "分") else "stock",
                "baseline": {"period": "FY2023", "value": round(base, 1)},
                "targets": {
                    "FY2025": round(base * (0.8 if down else 1.2), 1),
                    "FY2027": round(base * (0.6 if down else 1.5), 1),
                },
                "source": "業務統計",
            }
        )
    milestones = [
        {
            "id": f"ms{k}",
            "title": f"リリース{k}",
            "due": f"FY{2024 + k % 4}",
            "delivers": [rng.choice(layers[1])],
        }
        for k in range(max(1, n_nodes // 100))
    ]
    return {
        "id": "big",
        "title": "10k-node benchmark",
        "nodes": nodes,
        "links": links,
        "indicators": indicators,
        "milestones": milestones,
    }


def best_of(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=10_000)
    args = parser.parse_args()

    data = generate(args.nodes)
    model = lm.LogicModel.model_validate(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = lm.dump(model, Path(tmp) / "big.yaml")
        size = path.stat().st_size
        text = path.read_text(encoding="utf-8")
        t_safe, _ = best_of(
            lambda: (
                yaml.load(text, Loader=yaml.CSafeLoader)
                if hasattr(yaml, "CSafeLoader")
                else yaml.safe_load(text)
            )
        )
        t_load, loaded = best_of(lambda: lm.load(path))
    assert loaded == model
    t_validate, _ = best_of(lambda: lm.LogicModel.model_validate(data))

    def graph() -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from((n["id"], n) for n in data["nodes"])
        g.add_edges_from((x["source"], x["target"], x) for x in data["links"])
        return g

    t_graph, _ = best_of(graph)

    print(
        f"model: {len(model.nodes):,} nodes, {len(model.links):,} links, "
        f"{len(model.indicators):,} indicators, {len(model.milestones):,} milestones; "
        f"YAML {size / 1e6:.1f} MB"
    )
    print(
        f"lm.load (YAML)         {t_load:8.3f} s   {t_load / TARGET_LOAD_S:5.2f} × target "
        f"({TARGET_LOAD_S} s)"
    )
    kind = "libyaml C" if hasattr(yaml, "CSafeLoader") else "pure-Python"
    print(
        f"  reference: {kind} yaml safe_load {t_safe:8.3f} s   load / yaml = {t_load / t_safe:5.2f}"
    )
    print(f"  reference: model_validate   {t_validate:8.3f} s")
    try:
        from logicmodel.checks import check
    except ImportError:
        print("lm.check: not available yet (logicmodel.checks missing)")
        return
    t_check, report = best_of(lambda: check(model))
    print(
        f"lm.check               {t_check:8.3f} s   {t_check / TARGET_CHECK_S:5.2f} × target "
        f"({TARGET_CHECK_S} s)   [{report.summary()}]"
    )
    print(
        f"  reference: nx.DiGraph build {t_graph:8.3f} s   check / graph = {t_check / t_graph:5.1f}"
    )


if __name__ == "__main__":
    main()
