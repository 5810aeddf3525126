"""``UnitDefinition``: a unit a model file defines for itself (the ``units:`` section)."""

from __future__ import annotations

from pydantic import model_validator

from logicmodel.model.base import Frozen, Text
from logicmodel.units import define

__all__ = ["UnitDefinition"]


class UnitDefinition(Frozen):
    """A unit the model needs that logicmodel does not have built in (DESIGN §5.2).

    Validating it adds the unit to the application registry with :func:`logicmodel.units.define`
    (the same definition twice is accepted, a different one is a :class:`~logicmodel.UnitError`),
    so the model's indicators can use it. In a model file::

        units:
          - {name: 拠点, dimension: base, aliases: [拠点数]}
          - {name: 千拠点, of: 拠点, factor: 1000}

    Examples
    --------
    >>> UnitDefinition(name="窓口", dimension="lm_doc_counter").name
    '窓口'
    """

    name: Text
    dimension: Text | None = None
    of: Text | None = None
    factor: float = 1.0
    aliases: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _define(self) -> UnitDefinition:
        define(
            self.name,
            dimension=self.dimension,
            of=self.of,
            factor=self.factor,
            aliases=self.aliases,
        )
        return self
