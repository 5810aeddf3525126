"""The integer index arrays the evaluator rolls organisations up with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import ModelError
from logicmodel.orgs.jis import IntArray, ObjArray

# --------------------------------------------------------------------------------------------
# Rollup index
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GroupIndex:
    """Membership of observed codes in one custom grouping (see :meth:`Hierarchy.with_grouping`).

    Attributes
    ----------
    name
        The grouping's name.
    level
        The hierarchy level whose codes are grouped; observed codes below it are grouped through
        their ancestor at that level.
    labels
        Object array of the group labels (sorted).
    index
        ``int32`` array, one entry per observed code: position in ``labels``, or -1 when the code
        (or its ancestor at ``level``) is in no group.
    """

    name: str
    level: str
    labels: ObjArray
    index: IntArray


@dataclass(frozen=True, eq=False)
class RollupIndex:
    """Integer index arrays for aggregating observed codes over a :class:`Hierarchy`.

    Built by :meth:`Hierarchy.rollup_index`. Every array is read-only.

    Attributes
    ----------
    levels
        The hierarchy's levels, top first; column ``j`` of ``ancestors`` is ``levels[j]``.
    orgs
        Object array of every org that occurs (the observed codes and all their ancestors),
        ordered by level (top first), then code.
    org_level
        ``int32`` array: the level (position in ``levels``) of each of ``orgs``.
    parents
        ``int32`` array: position in ``orgs`` of each org's parent, -1 for a root. With an array
        ``at`` (versioned trees) it is the parent at the latest date the org occurs at.
    ancestors
        ``int32`` array of shape ``(n, len(levels))``: for observed code ``i``, the position in
        ``orgs`` of its ancestor at each level, the code itself at its own level, and -1 below its
        own level or where the tree skips a level.
    position
        ``int32`` array of shape ``(n,)``: position in ``orgs`` of each observed code itself
        (so ``orgs[position]`` are the normalised codes).
    groupings
        Read-only mapping of grouping name to :class:`GroupIndex` for the observed codes.

    Notes
    -----
    An aggregation of values ``v`` observed at codes ``i`` to level ``j`` is
    ``np.bincount(ancestors[i, j][mask], weights=v[mask], minlength=len(orgs))`` with
    ``mask = ancestors[i, j] >= 0``; add a period index as ``org * n_periods + period`` to do
    every period at once. A value observed at a prefecture counts at the prefecture and above,
    never below, so do not observe the same quantity at two levels of one branch.

    Examples
    --------
    >>> import numpy as np
    >>> from logicmodel.orgs import Hierarchy
    >>> ri = Hierarchy.japan().rollup_index(["131016", "13102", "011002"])
    >>> ri.orgs.tolist()
    ['JP', '010006', '130001', '011002', '131016', '131024']
    >>> ri.ancestors.tolist()
    [[0, 2, 4], [0, 2, 5], [0, 1, 3]]
    >>> pref = ri.ancestors[:, ri.levels.index("prefecture")]
    >>> np.bincount(pref, weights=[10.0, 5.0, 1.0], minlength=len(ri.orgs)).tolist()
    [0.0, 1.0, 15.0, 0.0, 0.0, 0.0]
    """

    levels: tuple[str, ...]
    orgs: ObjArray
    org_level: IntArray
    parents: IntArray
    ancestors: IntArray
    position: IntArray
    groupings: Mapping[str, GroupIndex] = field(default_factory=lambda: MappingProxyType({}))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rollup_index, (*(getattr(self, f) for f in _ROLLUP_FIELDS), dict(self.groupings)))

    def level(self, name: str) -> IntArray:
        """The ``ancestors`` column of level ``name``.

        Raises
        ------
        ModelError
            If ``name`` is not a level.
        """
        if name not in self.levels:
            raise ModelError(f"unknown level {name!r}; levels are {list(self.levels)}")
        column: IntArray = self.ancestors[:, self.levels.index(name)]
        return column

    def to_frame(self) -> pd.DataFrame:
        """One row per org: ``org, level, parent`` (parent ``None`` for a root).

        Examples
        --------
        >>> from logicmodel.orgs import Hierarchy
        >>> Hierarchy.japan().rollup_index(["131016"]).to_frame()
              org         level  parent
        0      JP        nation    None
        1  130001    prefecture      JP
        2  131016  municipality  130001
        """
        levels = np.asarray(self.levels, dtype=object)
        parent = self.orgs[np.maximum(self.parents, 0)].copy()
        parent[self.parents < 0] = None
        return pd.DataFrame(
            {
                "org": pd.Series(self.orgs, dtype="str"),
                "level": pd.Series(levels[self.org_level], dtype="str"),
                "parent": pd.Series(parent, dtype=object),
            }
        )


_ROLLUP_FIELDS = ("levels", "orgs", "org_level", "parents", "ancestors", "position")


def _rollup_index(*args: Any) -> RollupIndex:
    """Unpickle a :class:`RollupIndex` (its groupings travel as a plain dict)."""
    fields = dict(zip(_ROLLUP_FIELDS, args[:-1], strict=True))
    return RollupIndex(**fields, groupings=MappingProxyType(args[-1]))


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array
