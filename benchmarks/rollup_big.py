"""Pathway roll-up on a big graph: 200,000 nodes / 400,000 edges / 24 periods (DESIGN §6).

Subject: ``compile_edges`` (timed on its own) and
``rollup(graph, score, aggregator="weighted_mean")``. Reference: one ``scipy.sparse`` CSR product
per topological level (per-level weight matrices built beforehand, like our compiled graph):
``num = W @ (R·valid)``, ``den = W @ valid``. Second reference: a plain networkx loop, node by
node in topological order, vectorised over the 24 columns with numpy. Results are asserted equal
(``np.allclose``) before anything is timed. Goal: ≤ 2× the sparse reference.

Run: ``python benchmarks/rollup_big.py [--nodes 200000 --edges 400000 --periods 24]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_of

from logicmodel.evaluation.rollup import rollup
from logicmodel.graph import compile_edges

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
NX_BUDGET_S = 60.0
NX_SAMPLE = 20_000


def random_layered_dag(
    n: int, m: int, n_layers: int, seed: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """``m`` distinct edges over ``n`` nodes in ``n_layers`` layers, always from a lower to a
    higher layer (mostly the next one), with weights in [0.5, 2]."""
    rng = np.random.default_rng(seed)
    layer = np.sort(rng.integers(0, n_layers, n))
    bounds = np.searchsorted(layer, np.arange(n_layers + 1))
    src_parts, tgt_parts, have = [], [], 0
    seen = np.zeros(0, dtype=np.int64)
    while have < m:
        k = (m - have) * 12 // 10 + 16
        tgt = rng.integers(bounds[1], n, k)
        back = np.minimum(rng.geometric(0.7, k), layer[tgt])  # 1 (next layer down) most of the time
        src_layer = layer[tgt] - back
        lo, hi = bounds[src_layer], bounds[src_layer + 1]
        ok = hi > lo
        src = lo[ok] + (rng.random(int(ok.sum())) * (hi[ok] - lo[ok])).astype(np.int64)
        key = np.concatenate([seen, src * n + tgt[ok]])
        seen = np.unique(key)
        have = len(seen)
    seen = rng.permutation(seen)[:m]
    src_parts.append(seen // n)
    tgt_parts.append(seen % n)
    w = rng.choice(np.array([0.5, 1.0, 1.0, 2.0]), m)
    return np.concatenate(src_parts), np.concatenate(tgt_parts), w


# -- reference 1: one sparse product per level --------------------------------------------------
def sparse_levels(
    n: int, src: IntArray, tgt: IntArray, w: FloatArray, level: IntArray
) -> list[tuple[IntArray, sp.csr_matrix]]:
    """Per topological level ≥ 1: its nodes and the (nodes_k × n) CSR matrix of link weights."""
    out = []
    tl = level[tgt]
    for k in range(1, int(level.max()) + 1):
        nodes_k = np.flatnonzero(level == k)
        row = np.full(n, -1, dtype=np.int64)
        row[nodes_k] = np.arange(len(nodes_k))
        e = tl == k
        mat = sp.csr_matrix((w[e], (row[tgt[e]], src[e])), shape=(len(nodes_k), n))
        out.append((nodes_k, mat))
    return out


def rollup_sparse(
    levels: list[tuple[IntArray, sp.csr_matrix]], score: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per level ``num = W @ (R·valid)``, ``den = W @ valid``; only the level's rows change."""
    rolled = score.copy()
    upstream = np.full_like(rolled, np.nan)
    valid = ~np.isnan(rolled)
    masked = np.where(valid, rolled, 0.0)  # R·valid
    valid_f = valid.astype(np.float64)
    for nodes_k, mat in levels:
        num = mat @ masked
        den = mat @ valid_f
        up = np.full(num.shape, np.nan)
        np.divide(num, den, out=up, where=den > 0)
        upstream[nodes_k] = up
        own = rolled[nodes_k]
        new = np.where(np.isnan(own), up, own)
        rolled[nodes_k] = new
        ok = ~np.isnan(new)
        masked[nodes_k] = np.where(ok, new, 0.0)
        valid_f[nodes_k] = ok
    return upstream, rolled


# -- reference 2: plain networkx loop -----------------------------------------------------------
def to_networkx(n: int, src: IntArray, tgt: IntArray, w: FloatArray) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(src.tolist(), tgt.tolist(), w.tolist(), strict=True))
    return g


def rollup_networkx(g: nx.DiGraph, score: FloatArray) -> tuple[FloatArray, FloatArray]:
    rolled = score.copy()
    upstream = np.full_like(rolled, np.nan)
    for v in nx.topological_sort(g):
        preds = g.pred[v]
        if not preds:
            continue
        idx = np.fromiter(preds, dtype=np.int64, count=len(preds))
        wts = np.fromiter((d["weight"] for d in preds.values()), dtype=np.float64, count=len(preds))
        vals = rolled[idx]
        valid = ~np.isnan(vals)
        wv = np.where(valid, wts[:, None], 0.0)
        den = wv.sum(axis=0)
        num = (np.where(valid, vals, 0.0) * wv).sum(axis=0)
        up = np.full(den.shape, np.nan)
        np.divide(num, den, out=up, where=den > 0)
        upstream[v] = up
        if np.isnan(rolled[v]).any():
            rolled[v] = np.where(np.isnan(rolled[v]), up, rolled[v])
    return upstream, rolled


def subsample(
    n_sub: int, src: IntArray, tgt: IntArray, w: FloatArray, seed: int
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """The subgraph induced by ``n_sub`` random nodes, relabelled: (nodes, src, tgt, w)."""
    n = int(max(src.max(), tgt.max())) + 1
    nodes = np.sort(np.random.default_rng(seed).choice(n, n_sub, replace=False))
    new = np.full(n, -1, dtype=np.int64)
    new[nodes] = np.arange(n_sub)
    keep = (new[src] >= 0) & (new[tgt] >= 0)
    return nodes, new[src[keep]], new[tgt[keep]], w[keep]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=400_000)
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--layers", type=int, default=20)
    parser.add_argument("--nan", type=float, default=0.3, help="share of missing scores")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    n, m, p = args.nodes, args.edges, args.periods
    src, tgt, w = random_layered_dag(n, m, args.layers, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    score = rng.random((n, p))
    score[rng.random((n, p)) < args.nan] = np.nan
    print(
        f"rollup_big: {n:,} nodes, {len(src):,} edges, {p} periods, "
        f"{np.isnan(score).mean():.0%} NaN scores"
    )

    # correctness first --------------------------------------------------------------------------
    graph = compile_edges(n, src, tgt, w)
    levels = sparse_levels(n, src, tgt, w, graph.node_level)
    up_ours, rolled_ours = rollup(graph, score, aggregator="weighted_mean")
    up_ref, rolled_ref = rollup_sparse(levels, score)
    if not (
        np.allclose(up_ours, up_ref, equal_nan=True)
        and np.allclose(rolled_ours, rolled_ref, equal_nan=True)
    ):
        raise SystemExit("MISMATCH: rollup differs from the sparse reference")
    print(
        f"  {graph.levels} topological levels; results equal to the sparse reference "
        f"({np.isnan(rolled_ours).mean():.1%} NaN after roll-up)"
    )

    # timings ------------------------------------------------------------------------------------
    t_compile = best_of(lambda: compile_edges(n, src, tgt, w))
    t_levels = best_of(lambda: sparse_levels(n, src, tgt, w, graph.node_level))
    t_ours = best_of(lambda: rollup(graph, score, aggregator="weighted_mean"))
    t_sparse = best_of(lambda: rollup_sparse(levels, score))
    ratio = t_ours.best / t_sparse.best

    # networkx: full graph if a single run fits the budget, else a subsample scaled by node count
    n_sample = min(NX_SAMPLE, n)
    g_sub_nodes, s_src, s_tgt, s_w = subsample(n_sample, src, tgt, w, args.seed + 2)
    g_small = to_networkx(n_sample, s_src, s_tgt, s_w)
    s_score = score[g_sub_nodes]
    up_nx, rolled_nx = rollup_networkx(g_small, s_score)
    s_graph = compile_edges(n_sample, s_src, s_tgt, s_w)
    up_s, rolled_s = rollup(s_graph, s_score)
    if not (
        np.allclose(up_nx, up_s, equal_nan=True)
        and np.allclose(rolled_nx, rolled_s, equal_nan=True)
    ):
        raise SystemExit("MISMATCH: rollup differs from the networkx reference")
    t0 = time.perf_counter()
    rollup_networkx(g_small, s_score)
    sample_s = time.perf_counter() - t0
    projected = sample_s * n / n_sample
    if projected < NX_BUDGET_S:
        g_full = to_networkx(n, src, tgt, w)
        t_nx = best_of(lambda: rollup_networkx(g_full, score), repeat=1, warmup=0)
        up_nx, rolled_nx = t_nx.result
        if not (
            np.allclose(up_nx, up_ours, equal_nan=True)
            and np.allclose(rolled_nx, rolled_ours, equal_nan=True)
        ):
            raise SystemExit("MISMATCH: rollup differs from the networkx reference (full graph)")
        nx_s, nx_how = t_nx.best, "full graph, one run"
    else:
        nx_s, nx_how = (
            projected,
            f"{n_sample:,}-node subsample ({sample_s * 1000:,.0f} ms) scaled ×{n / n_sample:g}",
        )

    print(
        f"  compile_edges           {t_compile.ms:9.1f} ms   "
        f"(sparse per-level matrices: {t_levels.ms:.1f} ms)"
    )
    print(f"  rollup (ours)           {t_ours.ms:9.1f} ms")
    print(f"  scipy.sparse per level  {t_sparse.ms:9.1f} ms")
    print(f"  networkx loop           {nx_s * 1000:9.1f} ms   ({nx_how})")
    print(
        f"  ratio ours / sparse     {ratio:9.2f}×   goal ≤ 2×  {'OK' if ratio <= 2 else 'MISSED'}"
    )
    print(
        f"  ratio networkx / ours   {nx_s / t_ours.best:9.1f}×   "
        f"(networkx / sparse {nx_s / t_sparse.best:.1f}×)"
    )


if __name__ == "__main__":
    main()
