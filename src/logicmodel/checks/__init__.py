"""Graph-level checks of a logic model (DESIGN §4.3): rules → :class:`~logicmodel.Report`.

Importing this package registers the built-in rules (LM1xx structure, LM2xx indicators, LM4xx
roadmap); LM3xx codes are reserved for observation checks. See ``docs/checks.md`` for the list.
"""

from logicmodel.checks import hygiene, indicators, roadmap, structure
from logicmodel.checks.api import check, drop_bad_rows
from logicmodel.checks.registry import (
    OBSERVATION_CODES,
    Rule,
    RuleFunction,
    register_rule,
    registered,
    rule,
    rules,
    unregister_rule,
)

__all__ = [
    "OBSERVATION_CODES",
    "Rule",
    "RuleFunction",
    "check",
    "drop_bad_rows",
    "hygiene",
    "indicators",
    "register_rule",
    "registered",
    "roadmap",
    "rule",
    "rules",
    "structure",
    "unregister_rule",
]
