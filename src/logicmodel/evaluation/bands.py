"""Status bands: from achievement and planned achievement to a status code (DESIGN §5.4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import ModelError

__all__ = ["STATUSES", "STATUS_LABELS", "Bands", "Status", "status_categorical"]

Status = Literal[
    "achieved", "on_track", "at_risk", "off_track", "no_data", "no_target", "incomplete"
]
STATUSES: tuple[Status, ...] = (
    "achieved",
    "on_track",
    "at_risk",
    "off_track",
    "no_data",
    "no_target",
    "incomplete",
)
"""The status codes, best first; ``incomplete`` (集計中): an additive total built from fewer than
``min_coverage`` of the organisations below it, never judged against its target."""

STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "achieved": "achieved",
        "on_track": "on track",
        "at_risk": "at risk",
        "off_track": "off track",
        "no_data": "no data",
        "no_target": "no target",
        "incomplete": "incomplete",
    },
    "ja": {
        "achieved": "達成",
        "on_track": "順調",
        "at_risk": "要注意",
        "off_track": "遅れ",
        "no_data": "データなし",
        "no_target": "目標なし",
        "incomplete": "集計中",
    },
}
"""Display labels of the status codes in English and Japanese."""

FloatArray = npt.NDArray[np.float64]


def status_categorical(values: npt.ArrayLike) -> pd.Categorical[str]:
    """Status codes as a categorical with the six codes in order (hashed once per distinct code)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    table = np.array([STATUSES.index(u) for u in uniques], dtype=np.int8)
    out: pd.Categorical[str] = pd.Categorical.from_codes(
        table[codes] if len(codes) else np.zeros(0, dtype=np.int8),
        categories=pd.Index(list(STATUSES)),
    )
    return out


@dataclass(frozen=True, slots=True)
class Bands:
    """Thresholds that turn achievement into a status.

    ``mode="plan"`` (the default): achieved if achievement ≥ ``achieved``; else on_track if
    achievement ≥ planned_achievement − ``on_track``; at_risk if ≥ planned_achievement − ``at_risk``;
    else off_track. Without a plan at that period, the planned achievement is taken as 1 (the
    actual is compared with the final target, as the RS 達成率 does).

    ``mode="absolute"``: on_track / at_risk are absolute achievement levels (e.g. 0.8, 0.5).

    ``grades`` optionally adds a letter grade column: ``(("S", 1.2), ("A", 1.0), …)`` — the first
    grade whose threshold the achievement reaches; the last grade catches the rest.

    Examples
    --------
    >>> import numpy as np
    >>> Bands.default().classify(np.array([1.1, 0.5, 0.4, 0.2, np.nan]), np.array([0.5] * 5)).tolist()
    ['achieved', 'on_track', 'at_risk', 'off_track', 'no_data']
    >>> Bands.sabcd().grade(np.array([1.3, 1.0, 0.85, 0.6, 0.1])).tolist()
    ['S', 'A', 'B', 'C', 'D']
    """

    achieved: float = 1.0
    on_track: float = 0.05
    at_risk: float = 0.20
    mode: Literal["plan", "absolute"] = "plan"
    grades: tuple[tuple[str, float], ...] = field(default=())
    name: str = "custom"

    def __post_init__(self) -> None:
        if self.mode not in ("plan", "absolute"):
            raise ModelError(f"bands mode {self.mode!r} must be 'plan' or 'absolute'")
        if self.mode == "plan" and not (0 <= self.on_track <= self.at_risk):
            raise ModelError(
                f"bands need 0 ≤ on_track ({self.on_track}) ≤ at_risk ({self.at_risk}) in plan mode"
            )
        if self.mode == "absolute" and not (self.at_risk <= self.on_track <= self.achieved):
            raise ModelError(
                f"absolute bands need at_risk ({self.at_risk}) ≤ on_track ({self.on_track}) ≤ achieved ({self.achieved})"
            )
        thresholds = [t for _, t in self.grades]
        if thresholds != sorted(thresholds, reverse=True):
            raise ModelError("grade thresholds must be given from the highest grade down")

    @classmethod
    def default(cls) -> Bands:
        """The plan-relative default bands of DESIGN §5.4 (−5 / −20 points of planned achievement)."""
        return cls(name="default")

    @classmethod
    def sabcd(cls) -> Bands:
        """Five grades common in Japanese local evaluation (S ≥ 120 %, A ≥ 100 %, B ≥ 80 %, C ≥ 50 %, D).

        Status: achieved ≥ 1.0, on_track ≥ 0.8, at_risk ≥ 0.5, else off_track (absolute achievement).
        """
        return cls(
            on_track=0.8,
            at_risk=0.5,
            mode="absolute",
            grades=(("S", 1.2), ("A", 1.0), ("B", 0.8), ("C", 0.5), ("D", -np.inf)),
            name="sabcd",
        )

    @classmethod
    def sabc(cls) -> Bands:
        """Four grades (S ≥ 100 % 達成, A ≥ 80 % 概ね達成, B ≥ 50 %, C 未達成); absolute status."""
        return cls(
            on_track=0.8,
            at_risk=0.5,
            mode="absolute",
            grades=(("S", 1.0), ("A", 0.8), ("B", 0.5), ("C", -np.inf)),
            name="sabc",
        )

    def classify(self, achievement: FloatArray, planned: FloatArray) -> npt.NDArray[np.object_]:
        """Status codes for arrays of achievement and planned achievement (``no_data`` where NaN)."""
        statuses = np.asarray(STATUSES, dtype=object)
        out: npt.NDArray[np.object_] = statuses[self.classify_codes(achievement, planned)]
        return out

    def classify_codes(self, achievement: FloatArray, planned: FloatArray) -> npt.NDArray[np.int8]:
        """Like :meth:`classify`, as int8 positions in :data:`STATUSES` (for long tables)."""
        a = np.asarray(achievement, dtype=np.float64)
        p = np.asarray(planned, dtype=np.float64)
        if self.mode == "plan":
            p = np.where(np.isnan(p), 1.0, np.minimum(p, self.achieved))
            on, risk = p - self.on_track, p - self.at_risk
        else:
            on, risk = np.full_like(a, self.on_track), np.full_like(a, self.at_risk)
        conditions = [np.isnan(a), a >= self.achieved, a >= on, a >= risk]
        code = {s: np.int8(k) for k, s in enumerate(STATUSES)}
        choices = [code["no_data"], code["achieved"], code["on_track"], code["at_risk"]]
        out: npt.NDArray[np.int8] = np.select(conditions, choices, default=code["off_track"])
        return out.astype(np.int8, copy=False)

    def grade(self, achievement: FloatArray) -> npt.NDArray[np.object_]:
        """Letter grades (``None`` without grades or without data)."""
        a = np.asarray(achievement, dtype=np.float64)
        out = np.full(a.shape, None, dtype=object)
        if not self.grades:
            return out
        for label, threshold in reversed(self.grades):
            out[(a >= threshold) & ~np.isnan(a)] = label
        return out


_PRESETS: Mapping[str, Bands] = {
    "default": Bands.default(),
    "sabcd": Bands.sabcd(),
    "sabc": Bands.sabc(),
}


def resolve_bands(bands: Bands | str | None) -> Bands:
    """A :class:`Bands` from an instance, a preset name (default, sabcd, sabc) or ``None``."""
    if bands is None:
        return _PRESETS["default"]
    if isinstance(bands, Bands):
        return bands
    if isinstance(bands, str) and bands in _PRESETS:
        return _PRESETS[bands]
    raise ModelError(f"unknown bands {bands!r}; use a Bands object or one of {', '.join(_PRESETS)}")
