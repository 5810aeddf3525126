"""IATI 2.03 results: read ``<result>`` elements into logic models, write models as IATI XML.

The International Aid Transparency Initiative (IATI) activity standard reports each activity's
results as ``<result type="1|2|3|9">`` (output, outcome, impact, other), each with
``<indicator>`` elements carrying a measure, a direction (``@ascending``), baselines and periods
with targets and actuals. :func:`read_iati` turns every ``<iati-activity>`` that has results into
a :class:`~logicmodel.io.data.ModelData`; :func:`write_iati` writes one activity back.

Mapping (also in ``docs/formats/iati.md``):

* the activity → an :class:`~logicmodel.model.Activity` node whose id is the
  ``iati-identifier`` made into an identifier (``GB-1-123`` → ``GB_1_123``); the raw identifier
  is kept in ``refs`` as ``iati-identifier:GB-1-123``;
* result type 1 → ``Output``, 2 → ``Outcome`` (stage ``outcome_stage``, default
  ``"intermediate"``), 3 → ``Impact``; 9 (other) and unknown codes → ``Output`` tagged
  ``iati-result-type:<code>`` so the writer restores the code. Node ids are ``result_{k}``;
* links: in a file :func:`write_iati` wrote, the model's own links (``<lm:link>``, with weight,
  rationale and assumptions) and the nodes IATI results cannot hold (``<lm:node>``: inputs,
  activities, nodes without indicators); in any other file the activity → every output; every
  output → every outcome; every outcome → every impact; a missing level is skipped (the
  activity links straight to outcomes when there are no outputs);
* formulas, frequencies, weights and sources ride in ``lm:formula``, ``lm:frequency``,
  ``lm:weight``, ``lm:source``; IATI itself has no formulas, so other IATI readers see a formula
  indicator's values only;
* periods written by :func:`write_iati` come back in the model's own spelling (``lm:period``:
  ``2024-04``, ``FY2025``); others as ISO intervals ``2024-04-01/2025-03-31``;
* an observation's ``org`` is written as a location ref and as ``lm:org``, and comes back as
  ``org`` (not ``location``);
* indicators ``r{k}_i{j}``: measure 1 (unit) → unit ``"1"`` (dimensionless count), 2 →
  ``"%"``, 4 (ordinal) → ``"1"``, 3 (nominal) and 5 (qualitative) → ``measure="qualitative"``;
  ``ascending`` false → ``direction="decrease"`` (absent → increase); ``aggregation-status``
  false → ``{"time": "last", "orgs": "none"}``, otherwise ``"stock"`` (``"mean"`` for %);
* baselines and targets → the model's baseline (the latest one without location or dimension)
  and targets (a period's only target without location or dimension, when it is a number);
  every other baseline, target and every actual → observation rows (``kind`` baseline / target /
  actual) with ``location`` and ``dimension_<name>`` columns.

Files are parsed by lxml with entity expansion, DTD loading and network access disabled; a
document with a ``<!DOCTYPE>`` (entity declarations, billion laughs, external entities) is refused.
"""

from __future__ import annotations

from logicmodel.io.iati.common import LM_NAMESPACE, MEASURES, RESULT_TYPES
from logicmodel.io.iati.read import read_iati
from logicmodel.io.iati.write import write_iati

__all__ = ["LM_NAMESPACE", "MEASURES", "RESULT_TYPES", "read_iati", "write_iati"]
