"""``lm.limits``: defaults, ``override`` scoped to a block and a thread, and every reader honouring
the limit it names (issue 12). The hostile inputs themselves are in ``tests/hostile/``."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import logicmodel as lm

YAML = "id: m\ntitle: t\nx-list: &l [1, 2, 3, 4, 5]\ntags: [*l, *l]\n"


def test_override_is_scoped_to_the_block() -> None:
    before = lm.limits.current()
    with lm.limits.override(depth=5, yaml_nodes=10) as inside:
        assert inside.depth == 5
        assert lm.limits.current().yaml_nodes == 10
        with lm.limits.override(depth=7):
            assert lm.limits.current().depth == 7
            assert lm.limits.current().yaml_nodes == 10
        assert lm.limits.current().depth == 5
    assert lm.limits.current() == before


def test_override_does_not_leak_into_other_threads() -> None:
    seen: list[int] = []
    with lm.limits.override(depth=3):
        thread = threading.Thread(target=lambda: seen.append(lm.limits.current().depth))
        thread.start()
        thread.join()
    assert seen == [lm.limits.Limits().depth]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"nope": 1}, "unknown limit 'nope'"),
        ({"depth": 0}, "positive"),
        ({"depth": True}, "positive"),
    ],
)
def test_override_refuses_bad_changes(changes: dict[str, object], match: str) -> None:
    with pytest.raises(TypeError, match=match), lm.limits.override(**changes):  # type: ignore[arg-type]
        pass


def test_yaml_node_limit_counts_alias_expansion(tmp_path: Path) -> None:
    # 2 + 3 + 5 + 1 + 1 + 2 × 6 values once the two aliases are expanded
    path = tmp_path / "m.yaml"
    path.write_text(YAML, encoding="utf-8")
    with lm.limits.override(yaml_nodes=15), pytest.raises(lm.LimitError) as err:
        lm.io.from_yaml(YAML, path=str(path))
    assert err.value.limit == "yaml_nodes"
    assert "line 4" in str(err.value)
    with lm.limits.override(yaml_nodes=100), pytest.raises(lm.ModelError, match="x-list"):
        lm.io.from_yaml(YAML, path=str(path))  # within the limit: the model itself is checked


def test_depth_and_int_digits_limits() -> None:
    with lm.limits.override(depth=3), pytest.raises(lm.LimitError, match="depth"):
        lm.io.from_json('{"id": "m", "title": [[["x"]]]}')
    with lm.limits.override(int_digits=3), pytest.raises(lm.LimitError, match="int_digits"):
        lm.io.from_yaml("id: m\ntitle: t\nfiscal_year_start: 1234\n")
    with pytest.raises(lm.ModelError, match="fiscal_year_start"):
        lm.io.from_yaml("id: m\ntitle: t\nfiscal_year_start: 1234\n")


def test_limit_error_is_a_format_error_and_pickles() -> None:
    import pickle

    err = lm.LimitError("too big", limit="excel_rows", value=10, path="a.xlsx", sheet="s")
    assert isinstance(err, lm.FormatError)
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert again.limit == "excel_rows"
    assert str(again) == str(err)
    assert "lm.limits.override(excel_rows=...)" in str(err)


def test_iati_activity_limit(tmp_path: Path) -> None:
    activity = (
        "<iati-activity><iati-identifier>XM-{k}</iati-identifier>"
        "<title><narrative>t</narrative></title></iati-activity>"
    )
    path = tmp_path / "a.xml"
    body = "".join(activity.format(k=k) for k in range(3))
    path.write_text(f'<iati-activities version="2.03">{body}</iati-activities>', encoding="utf-8")
    with lm.limits.override(iati_activities=2), pytest.raises(lm.LimitError) as err:
        lm.io.read_iati(path)
    assert err.value.limit == "iati_activities"
    assert lm.io.read_iati(path) == []  # within the default limit (no results: no models)


def test_unknown_ids_listed(tmp_path: Path) -> None:
    import pandas as pd

    model = lm.LogicModel(
        id="m", title="t", nodes=[lm.Output(id="o")], indicators=[lm.KPI(id="n", measures="o")]
    )
    obs = pd.DataFrame({"indicator": [f"u{k}" for k in range(9)], "period": "FY2024", "value": 1})
    with lm.limits.override(unknown_ids_listed=3):
        issues = [i for i in lm.check(model, obs).issues if i.code == "LM301"]
    assert len(issues) == 4
    assert "6 more unknown indicator ids (9 in all)" in issues[-1].message
