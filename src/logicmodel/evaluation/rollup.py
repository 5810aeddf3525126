"""Roll-up along the effect pathway (DESIGN §5.5), vectorised over any number of columns.

The graph is compiled once (:mod:`logicmodel.graph`) into edges sorted by the level of their
target. Each level is then one gather of predecessor values (edges × columns) and one segment
reduction per target node (``numpy.add.reduceat``) — the same work as a sparse matrix product per
level, with no per-node or per-column Python.

An aggregator is a name from the registry or any callable
``f(values, weights, valid, starts, *, planned) -> array`` that reduces the edge rows of each
segment (``values[starts[i]:starts[i+1]]``) to one row. ``values`` and ``planned`` are
(edges × columns) predecessor values, ``weights`` the link weights (edges × 1) and ``valid`` marks
predecessors that have a value. Missing values drop out and the remaining weights renormalise.

Examples
--------
>>> import numpy as np
>>> from logicmodel.graph import compile_edges
>>> g = compile_edges(3, np.array([0, 1]), np.array([2, 2]), np.array([1.0, 3.0]))
>>> score = np.array([[1.0], [0.0], [np.nan]])
>>> upstream, rolled = rollup(g, score)
>>> rolled[:, 0].tolist()
[1.0, 0.0, 0.25]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol

import numpy as np
import numpy.typing as npt

from logicmodel.errors import ModelError
from logicmodel.graph import CompiledGraph

__all__ = ["AGGREGATORS", "Aggregator", "register_aggregator", "resolve_aggregator", "rollup"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


class Aggregator(Protocol):
    """Reduce each segment of predecessor rows to one row (see the module docstring)."""

    def __call__(
        self,
        values: FloatArray,
        weights: FloatArray,
        valid: BoolArray,
        starts: IntArray,
        *,
        planned: FloatArray,
    ) -> FloatArray: ...


def _segment_sum(x: FloatArray, starts: IntArray) -> FloatArray:
    """Row sums of each segment ``x[starts[i]:starts[i+1]]`` (one ``bincount`` over all cells)."""
    if not len(x):
        return np.zeros((0, *x.shape[1:]))
    n_seg = len(starts)
    lengths = np.diff(np.append(starts, len(x)))
    seg = np.repeat(np.arange(n_seg, dtype=np.int64), lengths)
    if x.ndim == 1:
        return np.bincount(seg, weights=x, minlength=n_seg).astype(np.float64, copy=False)
    width = x.shape[1]
    flat = (seg[:, None] * width + np.arange(width, dtype=np.int64)).ravel()
    sums = np.bincount(flat, weights=x.ravel(), minlength=n_seg * width)
    return sums.astype(np.float64, copy=False).reshape(n_seg, width)


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def weighted_mean(
    values: FloatArray,
    weights: FloatArray,
    valid: BoolArray,
    starts: IntArray,
    *,
    planned: FloatArray,
) -> FloatArray:
    """Σ wᵢ·vᵢ / Σ wᵢ over predecessors with a value."""
    w = np.where(valid, weights, 0.0)
    return _ratio(_segment_sum(np.where(valid, values, 0.0) * w, starts), _segment_sum(w, starts))


def minimum(
    values: FloatArray,
    weights: FloatArray,
    valid: BoolArray,
    starts: IntArray,
    *,
    planned: FloatArray,
) -> FloatArray:
    """The weakest predecessor (links with weight 0 are ignored)."""
    use = valid & (weights > 0)
    out = np.minimum.reduceat(np.where(use, values, np.inf), starts, axis=0)
    return np.where(np.isinf(out), np.nan, out)


def maximum(
    values: FloatArray,
    weights: FloatArray,
    valid: BoolArray,
    starts: IntArray,
    *,
    planned: FloatArray,
) -> FloatArray:
    """The strongest predecessor (links with weight 0 are ignored)."""
    use = valid & (weights > 0)
    out = np.maximum.reduceat(np.where(use, values, -np.inf), starts, axis=0)
    return np.where(np.isinf(out), np.nan, out)


def geometric_mean(
    values: FloatArray,
    weights: FloatArray,
    valid: BoolArray,
    starts: IntArray,
    *,
    planned: FloatArray,
) -> FloatArray:
    """exp(Σ wᵢ·log vᵢ / Σ wᵢ); values are floored at 1e-6 so one zero pulls hard but stays finite."""
    w = np.where(valid, weights, 0.0)
    logs = np.log(np.maximum(np.where(valid, values, 1.0), 1e-6))
    return np.exp(_ratio(_segment_sum(logs * w, starts), _segment_sum(w, starts)))


def share_on_track(
    values: FloatArray,
    weights: FloatArray,
    valid: BoolArray,
    starts: IntArray,
    *,
    planned: FloatArray,
) -> FloatArray:
    """Weighted share of predecessors within 5 points of their plan (or ≥ 0.95 without a plan)."""
    w = np.where(valid, weights, 0.0)
    bar = np.where(np.isnan(planned), 1.0, np.minimum(planned, 1.0)) - 0.05
    hit = (np.where(valid, values, -np.inf) >= bar).astype(np.float64)
    return _ratio(_segment_sum(hit * w, starts), _segment_sum(w, starts))


_REGISTRY: dict[str, Aggregator] = {
    "weighted_mean": weighted_mean,
    "mean": weighted_mean,
    "min": minimum,
    "max": maximum,
    "geometric_mean": geometric_mean,
    "share_on_track": share_on_track,
}
AGGREGATORS: Mapping[str, Aggregator] = MappingProxyType(_REGISTRY)
"""Read-only view of the named aggregators."""


def register_aggregator(name: str, func: Aggregator, *, replace: bool = False) -> None:
    """Add a named aggregator; an existing name is refused unless ``replace=True``.

    Raises
    ------
    ModelError
        The name is taken (and ``replace`` is false) or ``func`` is not callable.
    """
    if not callable(func):
        raise ModelError(f"aggregator {name!r} must be callable")
    if name in _REGISTRY and not replace:
        raise ModelError(
            f"aggregator {name!r} is already registered; pass replace=True to override it"
        )
    _REGISTRY[name] = func


def resolve_aggregator(aggregator: str | Aggregator | Callable[..., FloatArray]) -> Aggregator:
    """The aggregator for a name or callable."""
    if isinstance(aggregator, str):
        if aggregator not in _REGISTRY:
            raise ModelError(
                f"unknown roll-up aggregator {aggregator!r}; known: {', '.join(sorted(_REGISTRY))}"
            )
        return _REGISTRY[aggregator]
    if callable(aggregator):
        return aggregator
    raise ModelError(f"rollup must be a name or a callable, got {type(aggregator).__name__}")


def rollup(
    graph: CompiledGraph,
    score: FloatArray,
    *,
    aggregator: str | Aggregator = "weighted_mean",
    planned: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """``(upstream, rolled)`` for node scores of shape (nodes × columns); NaN means no data.

    ``rolled`` is the node's own score where it has one, else its ``upstream`` value: the
    aggregator over its predecessors' ``rolled`` values, level by level in topological order.
    ``planned`` (same shape) is the rolled planned achievement that ``share_on_track`` compares with.
    """
    agg = resolve_aggregator(aggregator)
    rolled = np.array(score, dtype=np.float64, copy=True)
    upstream = np.full_like(rolled, np.nan)
    plan = (
        np.full_like(rolled, np.nan) if planned is None else np.asarray(planned, dtype=np.float64)
    )
    for k in range(graph.levels):
        lo, hi = int(graph.edge_bounds[k]), int(graph.edge_bounds[k + 1])
        if hi == lo:
            continue
        src = graph.src[lo:hi]
        starts = graph.seg_starts[graph.seg_bounds[k] : graph.seg_bounds[k + 1]] - lo
        targets = graph.level_targets(k)
        values = rolled[src]
        up = agg(values, graph.weight[lo:hi, None], ~np.isnan(values), starts, planned=plan[src])
        upstream[targets] = up
        own = rolled[targets]
        rolled[targets] = np.where(np.isnan(own), up, own)
    return upstream, rolled
