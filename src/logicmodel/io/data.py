"""``ModelData``: a model together with the observations that came in the same file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from logicmodel.model import LogicModel

__all__ = ["OBSERVATION_COLUMNS", "ModelData"]

OBSERVATION_COLUMNS = ("indicator", "org", "period", "value", "unit", "kind")
"""Standard long-format observation columns; readers may add more (e.g. ``source_row``)."""


@dataclass(frozen=True, slots=True)
class ModelData:
    """A logic model and its observations (a long pandas DataFrame, or ``None``).

    Readers of formats that carry data next to the model (Excel, RS System, IATI) return this.
    ``observations`` has the columns of :data:`OBSERVATION_COLUMNS` (``org`` and ``unit`` may be
    absent) and can be passed straight to :func:`logicmodel.evaluation`. Unpacks as a pair:

    >>> import logicmodel as lm
    >>> model, obs = ModelData(lm.LogicModel(id="m", title="t"), None)
    >>> model.id, obs
    ('m', None)
    """

    model: LogicModel
    observations: pd.DataFrame | None = None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter((self.model, self.observations))
