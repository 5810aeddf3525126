"""The effect pathway compiled for evaluation: topological levels and edge index arrays.

Row 3 of DESIGN §3. The model's links are compiled once into integer arrays so that roll-up over
(nodes × orgs × periods) is a handful of numpy segment reductions per topological level — no
per-node or per-period Python (DESIGN §5.5).

Examples
--------
>>> import numpy as np
>>> g = compile_edges(3, np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0]))
>>> g.levels
2
>>> [list(map(int, g.level_targets(k))) for k in range(g.levels)]
[[1], [2]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from logicmodel.errors import ModelError

if TYPE_CHECKING:
    from logicmodel.model import LogicModel

__all__ = ["CompiledGraph", "compile_edges", "compile_model", "topological_levels"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def topological_levels(n: int, sources: IntArray, targets: IntArray) -> IntArray:
    """Level of every node: 0 for nodes without predecessors, else 1 + max level of predecessors.

    Vectorised Kahn's algorithm: one numpy pass per level (a few dozen for real models).

    Raises
    ------
    ModelError
        The links contain a cycle (the message lists nodes on it by index).
    """
    level = np.zeros(n, dtype=np.int64)
    indeg = np.bincount(targets, minlength=n).astype(np.int64)
    order = np.argsort(sources, kind="stable")
    src_sorted = sources[order]
    tgt_by_src = targets[order]
    starts = np.searchsorted(src_sorted, np.arange(n + 1))
    frontier = np.flatnonzero(indeg == 0)
    done = 0
    depth = 0
    while frontier.size:
        done += frontier.size
        level[frontier] = depth
        lo = starts[frontier]
        hi = starts[frontier + 1]
        counts = hi - lo
        if counts.sum() == 0:
            break
        idx = np.repeat(lo - np.cumsum(np.concatenate(([0], counts[:-1]))), counts) + np.arange(
            counts.sum()
        )
        succ = tgt_by_src[idx]
        np.subtract.at(indeg, succ, 1)
        cand = np.unique(succ)
        frontier = cand[indeg[cand] == 0]
        depth += 1
    if done < n:
        stuck = np.flatnonzero(indeg > 0)
        raise ModelError(
            f"the links contain a cycle through {stuck.size} node(s) (indices {stuck[:10].tolist()})"
        )
    return level


@dataclass(frozen=True, slots=True)
class CompiledGraph:
    """Edges sorted by (level of target, target), ready for segment reductions.

    ``src``/``tgt``/``weight`` are per edge; for level ``k`` the edges ``edge_bounds[k]:
    edge_bounds[k+1]`` all point into nodes of that level, grouped by target; ``seg_starts`` marks
    the first edge of each target group and ``seg_target`` its node.
    """

    n: int
    node_level: IntArray
    src: IntArray
    tgt: IntArray
    weight: FloatArray
    edge_bounds: IntArray
    seg_starts: IntArray
    seg_target: IntArray
    seg_bounds: IntArray

    @property
    def levels(self) -> int:
        """Number of levels that have incoming edges."""
        return len(self.edge_bounds) - 1

    def level_targets(self, k: int) -> IntArray:
        """Nodes of level ``k + 1`` that have predecessors."""
        return self.seg_target[self.seg_bounds[k] : self.seg_bounds[k + 1]]


def compile_edges(
    n: int, sources: npt.ArrayLike, targets: npt.ArrayLike, weights: npt.ArrayLike
) -> CompiledGraph:
    """Compile an edge list over nodes ``0..n-1`` (see :class:`CompiledGraph`)."""
    src = np.asarray(sources, dtype=np.int64)
    tgt = np.asarray(targets, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    node_level = topological_levels(n, src, tgt)
    order = np.lexsort((tgt, node_level[tgt]))
    src, tgt, w = src[order], tgt[order], w[order]
    tl = node_level[tgt]
    max_level = int(node_level.max()) if n else 0
    edge_bounds = np.searchsorted(tl, np.arange(1, max_level + 2))
    if tgt.size:
        new_seg = np.ones(tgt.size, dtype=bool)
        new_seg[1:] = tgt[1:] != tgt[:-1]
        seg_starts = np.flatnonzero(new_seg).astype(np.int64)
    else:
        seg_starts = np.zeros(0, dtype=np.int64)
    seg_target = tgt[seg_starts]
    seg_bounds = np.searchsorted(seg_starts, edge_bounds)
    return CompiledGraph(
        n,
        node_level,
        src,
        tgt,
        w,
        edge_bounds.astype(np.int64),
        seg_starts,
        seg_target,
        seg_bounds.astype(np.int64),
    )


def compile_model(model: LogicModel) -> CompiledGraph:
    """Compile the model's links over ``model.node_ids`` (the node order of the result arrays)."""
    index = {nid: k for k, nid in enumerate(model.node_ids)}
    src = np.fromiter(
        (index[link.source] for link in model.links), dtype=np.int64, count=len(model.links)
    )
    tgt = np.fromiter(
        (index[link.target] for link in model.links), dtype=np.int64, count=len(model.links)
    )
    w = np.fromiter((link.weight for link in model.links), dtype=np.float64, count=len(model.links))
    try:
        return compile_edges(len(index), src, tgt, w)
    except ModelError:
        import networkx as nx

        cycle = nx.find_cycle(model.to_networkx().subgraph(model.node_ids))
        path = " → ".join([str(e[0]) for e in cycle] + [str(cycle[-1][1])])
        raise ModelError(f"model {model.id!r}: the links contain a cycle: {path}") from None
