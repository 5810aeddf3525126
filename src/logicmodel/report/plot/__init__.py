"""matplotlib charts of progress (DESIGN §4.6): one indicator over time, and the effect pathway.

- :func:`indicator` draws one indicator's actuals against its plan: the plan line through the
  baseline and the targets, each target marked with its period, the as-of date, the forecast to
  the target, and the status in the title and legend.
- :func:`event_study` draws an estimated link's effect by periods since adoption (issue 13).
- :func:`pathway` draws the logic model in columns (inputs → activities → outputs → short,
  intermediate and long outcomes → impact) with arrows for the links; given progress, each box
  is filled with its node's status colour and shows the rolled-up percentage.

matplotlib is imported only when a chart is drawn (``pip install 'logicmodel[viz]'``); the ``viz``
extra's bundled Japanese font (``matplotlib-fontja``, IPAexGothic) is used for the text these
functions create, without changing the caller's global ``rcParams``.

Examples
--------
>>> import logicmodel as lm
>>> from matplotlib.figure import Figure
>>> from logicmodel.testing import sample_model, sample_observations
>>> m = sample_model()
>>> p = lm.evaluate(m, sample_observations(), lang="ja")
>>> ax = indicator(p, "wait_min", ax=Figure().subplots())
>>> ax.get_title()
'窓口での平均待ち時間（分）\\n遅れ · 達成率 57% · 基準日 2027-03-31'
>>> ax = pathway(m, p, ax=Figure(figsize=(16, 6)).subplots())
>>> len([a for a in ax.patches if (a.get_gid() or "").startswith("node:")]) == len(m.nodes)
True
"""

from __future__ import annotations

from logicmodel.report.plot.event_chart import event_study
from logicmodel.report.plot.indicator_chart import indicator
from logicmodel.report.plot.pathway_chart import pathway

__all__ = ["event_study", "indicator", "pathway"]
