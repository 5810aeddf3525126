"""Pathway findings are a registry of small rules, one per finding code (issue 9)."""

from __future__ import annotations

import pytest

import logicmodel as lm
from logicmodel.evaluation.diagnostics import FINDING_CODES, FINDING_RULES
from logicmodel.testing import sample_model, sample_observations


def test_one_rule_per_finding_code_in_order() -> None:
    assert tuple(FINDING_RULES) == FINDING_CODES


def test_the_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        FINDING_RULES["mine"] = FINDING_RULES["stale"]  # type: ignore[index]


def test_findings_come_from_their_rules() -> None:
    progress = lm.evaluate(sample_model(), sample_observations())
    codes = set(progress.findings["code"].astype(str))
    assert codes
    assert codes <= set(FINDING_CODES)
    broken = progress.findings[progress.findings["code"] == "broken_link"]
    assert broken["message"].str.contains("may not hold").all()
    assert broken["message_ja"].str.contains("前提を見直してください").all()
