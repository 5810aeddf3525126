"""Generate the synthetic ``observations.csv`` of the window-dx example (36 months, FY2024–FY2026).

The numbers are invented but shaped like the real thing: adoption grows a little behind plan,
waiting time falls, surveys are yearly, training hours are monthly flows. Run it again to
regenerate the file; the seed keeps it stable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20241)
months = pd.period_range("2024-04", "2027-03", freq="M")
t = np.arange(len(months))  # 0 … 35
rows: list[dict[str, object]] = []


def monthly(indicator: str, values: np.ndarray, unit: str) -> None:
    for p, v in zip(months, values, strict=True):
        rows.append(
            {"indicator": indicator, "period": str(p), "value": round(float(v), 1), "unit": unit}
        )


def yearly(indicator: str, values: list[float], unit: str) -> None:
    for fy, v in zip((2024, 2025, 2026), values, strict=True):
        rows.append({"indicator": indicator, "period": f"FY{fy}", "value": v, "unit": unit})


monthly("orgs_n", np.full(len(t), 1741), "団体")
monthly(
    "adopted_n",
    np.round(120 + 640 * (t + 1) / 24 + rng.normal(0, 8, len(t)).cumsum().clip(-40, 40)),
    "団体",
)
monthly("trained_n", 230 + rng.normal(0, 25, len(t)) + 6 * t, "人")
monthly("procedures_n", np.floor(12 + 1.2 * t), "件")
monthly("no_form_share", 10 + 1.4 * t + rng.normal(0, 1.0, len(t)), "%")
monthly("one_stop_share", 36 + 0.9 * t + rng.normal(0, 1.0, len(t)), "%")
monthly("wait_min", 39 - 0.45 * t + rng.normal(0, 0.8, len(t)), "分")
# staff time reported in hours by some offices: the unit column converts it to the indicator's 分
staff = 29 - 0.35 * t + rng.normal(0, 0.5, len(t))
monthly("staff_hours", staff / 60, "時間")
monthly("consult_hours", 95 + 2.5 * t + rng.normal(0, 5, len(t)), "時間")
yearly("satisfaction_share", [64.0, 67.5, 71.0], "%")
yearly("barrier_free_share", [52.0, 55.0, 57.0], "%")
yearly("benefit_share", [47.0, 50.5, 54.0], "%")

out = Path(__file__).with_name("observations.csv")
pd.DataFrame(rows).to_csv(out, index=False, lineterminator="\n")
print(f"wrote {len(rows)} rows to {out}")
