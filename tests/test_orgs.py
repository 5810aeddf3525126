"""Tests for logicmodel.orgs: JIS X 0402 codes, versioned hierarchies, rollup index."""

from __future__ import annotations

import datetime as dt
import pickle
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logicmodel.errors import FormatError, ModelError
from logicmodel.orgs import (
    Hierarchy,
    check_digit,
    is_valid_code,
    normalize_code,
    normalize_codes,
)

# ------------------------------------------------------------------ check digits


@pytest.mark.parametrize(
    ("code5", "digit"),
    [
        ("13101", "6"),  # 東京都千代田区
        ("01100", "2"),  # 札幌市
        ("13000", "1"),  # 東京都
        ("01000", "6"),  # 北海道
        ("47000", "7"),  # 沖縄県
        ("27100", "4"),  # 大阪市
        ("14100", "3"),  # 横浜市
    ],
)
def test_check_digit_known_codes(code5: str, digit: str) -> None:
    assert check_digit(code5) == digit
    assert is_valid_code(code5 + digit)
    wrong = str((int(digit) + 1) % 10)
    assert not is_valid_code(code5 + wrong)


@pytest.mark.parametrize("bad", ["1310", "131016", "1310a", "", "１３１０１"])
def test_check_digit_rejects_non_five_digits(bad: str) -> None:
    with pytest.raises(FormatError, match="five digits"):
        check_digit(bad)


def test_is_valid_code_never_raises() -> None:
    assert is_valid_code("JP")
    assert not is_valid_code(131016)
    assert not is_valid_code(None)
    assert not is_valid_code("13101")
    assert not is_valid_code("abcdef")


def test_every_packaged_row_has_a_valid_check_digit() -> None:
    source = resources.files("logicmodel").joinpath("data/jis_x0402.csv")
    with source.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    assert len(table) == 47 + 1741
    assert table["code"].map(is_valid_code).all()
    # the same with the weights written out, independent of check_digit
    digits = np.array([[int(c) for c in code] for code in table["code"]])
    expected = (11 - (digits[:, :5] @ np.array([6, 5, 4, 3, 2])) % 11) % 10
    assert (expected == digits[:, 5]).all()


# ------------------------------------------------------------------ normalisation


def test_normalize_code_forms() -> None:
    assert normalize_code("13101") == "131016"
    assert normalize_code("131016") == "131016"
    assert normalize_code(" 01100 ") == "011002"
    assert normalize_code("０１１００") == "011002"  # full-width digits
    assert normalize_code("JP") == "JP"


def test_normalize_code_wrong_check_digit_names_expected() -> None:
    with pytest.raises(FormatError, match=r"'131017'.*expected '6'.*'131016'"):
        normalize_code("131017")


@pytest.mark.parametrize("bad", ["1310", "1234567", "13-01", "Tokyo", ""])
def test_normalize_code_rejects_malformed(bad: str) -> None:
    with pytest.raises(FormatError):
        normalize_code(bad)


def test_normalize_code_rejects_numbers_with_hint() -> None:
    with pytest.raises(FormatError, match="dtype"):
        normalize_code(1100)  # type: ignore[arg-type]


def test_normalize_codes_vectorised_mixed_forms() -> None:
    values = pd.Series(["01100", "011002", "13101", "JP", "01100"], dtype="str")
    out = normalize_codes(values)
    assert out.tolist() == ["011002", "011002", "131016", "JP", "011002"]
    assert out.dtype == object
    assert normalize_codes(np.array(["13101"])).tolist() == ["131016"]
    assert normalize_codes(["13101", "011002"]).tolist() == ["131016", "011002"]


def test_normalize_codes_wrong_check_digit_names_value_row_and_digit() -> None:
    values = pd.Series(["011002", "131016", "131016", "131017", "131017"])
    with pytest.raises(FormatError) as info:
        normalize_codes(values, column="団体コード")
    err = info.value
    assert err.row == 3
    assert err.column == "団体コード"
    assert "'131017'" in str(err)
    assert "row 3" in str(err)
    assert "expected '6'" in str(err)


def test_integer_column_rejected_with_hint() -> None:
    frame = pd.read_csv(
        __import__("io").StringIO("org,value\n01100,1\n131016,2\n")
    )  # read without dtype=str: 01100 became 1100
    assert frame["org"].dtype.kind == "i"
    with pytest.raises(FormatError) as info:
        normalize_codes(frame["org"])
    assert info.value.column == "org"
    assert "dtype" in str(info.value)
    assert "str" in str(info.value)


def test_float_and_object_int_columns_rejected() -> None:
    with pytest.raises(FormatError, match="numbers"):
        normalize_codes(pd.Series([1100.0, np.nan]))
    with pytest.raises(FormatError, match=r"'?1100'? .*row 1.*int"):
        normalize_codes(pd.Series(["011002", 1100], dtype=object))


def test_missing_code_is_an_error_with_row() -> None:
    with pytest.raises(FormatError) as info:
        normalize_codes(pd.Series(["011002", None, "131016"], dtype=object))
    assert info.value.row == 1


def test_four_digit_code_hints_lost_zero() -> None:
    with pytest.raises(FormatError, match="leading zero"):
        normalize_codes(pd.Series(["1100"]))


# ------------------------------------------------------------------ Japan


def test_japan_counts_and_levels() -> None:
    h = Hierarchy.japan()
    assert h.levels == ("nation", "prefecture", "municipality", "ward")
    assert h.counted_level == "municipality"
    assert h.root == "JP"
    assert h.roots == ("JP",)
    assert len(h.codes(level="prefecture")) == 47
    municipalities = h.codes(level="municipality")
    assert len(municipalities) == 1741
    assert len(h) == 1 + 47 + 1741 + 175
    assert len(h.codes(level="ward")) == 175
    assert len(h.children("JP")) == 47
    suffix = pd.Series([h.name(c) for c in municipalities]).str[-1].value_counts()
    assert suffix.to_dict() == {"市": 792, "町": 743, "村": 183, "区": 23}


def test_japan_tokyo_special_wards() -> None:
    h = Hierarchy.japan()
    wards = [c for c in h.children("130001") if (h.name(c) or "").endswith("区")]
    assert len(wards) == 23
    assert wards[0] == "131016"
    assert h.name("131016") == "千代田区"
    assert h.name("131016", full=True) == "東京都千代田区"
    assert h.kana("131016") == "チヨダク"
    assert h.level_of("131016") == "municipality"
    assert h.parent("131016") == "130001"
    assert h.ancestors("131016") == ("130001", "JP")
    assert h.name("130001") == "東京都"
    assert h.parent("130001") == "JP"
    assert h.parent("JP") is None
    assert h.name("011002") == "札幌市"
    assert "131016" in h
    assert "13101" not in h
    # two municipalities share a name; the full name tells them apart
    date_cities = {h.name(c, full=True) for c in municipalities_named(h, "伊達市")}
    assert date_cities == {"北海道伊達市", "福島県伊達市"}


def municipalities_named(h: Hierarchy, name: str) -> list[str]:
    return [c for c in h.codes(level="municipality") if h.name(c) == name]


def test_japan_frame_columns_and_copy() -> None:
    h = Hierarchy.japan()
    frame = h.frame
    assert frame.columns.tolist() == [
        "code",
        "parent",
        "level",
        "name",
        "kana",
        "valid_from",
        "valid_to",
    ]
    assert len(frame) == 1789 + 175  # with the wards of the designated cities
    assert frame["code"].str.len().eq(6).sum() == 1788 + 175
    frame.loc[0, "name"] = "changed"
    assert h.name("JP") == "全国"
    assert Hierarchy.japan() is Hierarchy.japan()  # cached, built once


def test_japan_as_of_and_unknown_code() -> None:
    h = Hierarchy.japan(as_of="2024-04-01")
    assert h.as_of == dt.date(2024, 4, 1)
    assert h.parent("131016") == "130001"
    with pytest.raises(ModelError, match="nearest known codes"):
        h.parent("131017")


def test_hierarchy_is_immutable() -> None:
    h = Hierarchy.japan()
    with pytest.raises(AttributeError):
        h._levels = ("x",)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del h._levels
    with pytest.raises(TypeError):
        Hierarchy()
    ri = h.rollup_index(["131016"])
    with pytest.raises(ValueError, match="read-only"):
        ri.ancestors[0, 0] = 5
    with pytest.raises(AttributeError):
        ri.orgs = ri.orgs  # type: ignore[misc]


def test_pickle_round_trip() -> None:
    h = Hierarchy.japan().with_grouping("band", {"131016": "small"})
    again = pickle.loads(pickle.dumps(h))
    assert again == h
    assert again.parent("131016") == "130001"
    assert again.groupings == ("band",)
    ri = again.rollup_index(["131016"])
    assert ri.groupings["band"].index.tolist() == [0]
    assert pickle.loads(pickle.dumps(ri)).orgs.tolist() == ri.orgs.tolist()


# ------------------------------------------------------------------ rollup index on Japan


def test_rollup_index_japan() -> None:
    h = Hierarchy.japan()
    ri = h.rollup_index(pd.Series(["131016", "13102", "011002", "130001"]))
    assert ri.levels == h.levels[:3]  # the ward level only when wards are observed
    assert ri.orgs.tolist() == ["JP", "010006", "130001", "011002", "131016", "131024"]
    assert ri.org_level.tolist() == [0, 1, 1, 2, 2, 2]
    assert ri.parents.tolist() == [-1, 0, 0, 1, 2, 2]
    assert ri.ancestors.tolist() == [[0, 2, 4], [0, 2, 5], [0, 1, 3], [0, 2, -1]]
    assert ri.position.tolist() == [4, 5, 3, 2]
    assert ri.orgs[ri.position].tolist() == ["131016", "131024", "011002", "130001"]
    frame = ri.to_frame()
    assert frame["parent"].tolist() == [None, "JP", "JP", "010006", "130001", "130001"]
    # aggregation with bincount: municipal values to prefectures and nation
    values = np.array([1.0, 2.0, 4.0, 0.0])
    pref = np.bincount(ri.level("prefecture"), weights=values, minlength=len(ri.orgs))
    assert pref[ri.orgs.tolist().index("130001")] == 3.0
    assert np.bincount(ri.level("nation"), weights=values)[0] == 7.0


def test_rollup_index_unknown_code_names_nearest() -> None:
    unknown = "13199" + check_digit("13199")
    with pytest.raises(FormatError) as info:
        Hierarchy.japan().rollup_index(["131016", unknown])
    assert info.value.row == 1
    assert repr(unknown) in str(info.value)
    assert "nearest known codes" in str(info.value)


def test_rollup_index_rejects_integer_codes_and_bad_check_digit() -> None:
    h = Hierarchy.japan()
    with pytest.raises(FormatError, match="dtype"):
        h.rollup_index(np.array([1100, 131016]))
    with pytest.raises(FormatError, match="expected '6'"):
        h.rollup_index(["131017"])


def test_rollup_index_empty() -> None:
    ri = Hierarchy.japan().rollup_index(np.array([], dtype=object))
    assert ri.ancestors.shape == (0, 3)
    assert len(ri.orgs) == 0


# ------------------------------------------------------------------ custom trees


def small_tree() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["HQ", "east", "west", "e1", "e2", "w1", "direct"],
            "up": [None, "HQ", "HQ", "east", "east", "west", "HQ"],
            "kind": ["hq", "region", "region", "office", "office", "office", "office"],
            "label": ["本部", "東", "西", "東1", "東2", "西1", "直轄"],
        }
    )


def test_from_frame_small_tree() -> None:
    h = Hierarchy.from_frame(small_tree(), child="id", parent="up", level="kind", name="label")
    assert h.levels == ("hq", "region", "office")
    assert h.root == "HQ"
    assert h.children("HQ") == ("east", "west", "direct")  # by level, then code
    assert h.children("east") == ("e1", "e2")
    assert h.ancestors("e1") == ("east", "HQ")
    assert h.ancestors("direct") == ("HQ",)  # skips the region level
    assert h.name("w1") == "西1"
    assert h.codes(level="office") == ("direct", "e1", "e2", "w1")
    assert h.change_dates == ()
    ri = h.rollup_index(["e1", "direct", "w1"])
    region = ri.level("region")
    assert region[1] == -1  # 'direct' has no region
    assert ri.orgs[region[[0, 2]]].tolist() == ["east", "west"]
    assert (ri.level("hq") == 0).all()


def test_from_frame_without_levels_uses_depth() -> None:
    frame = small_tree().drop(columns="kind")
    h = Hierarchy.from_frame(frame, child="id", parent="up", level=None)
    assert h.levels == ("level0", "level1", "level2")
    assert h.level_of("direct") == "level1"
    assert h.level_of("e2") == "level2"


def test_from_frame_round_trip_through_to_frame() -> None:
    h = Hierarchy.from_frame(merger_frame(), valid_from="from", valid_to="to", name="name")
    again = Hierarchy.from_frame(
        h.to_frame(), name="name", kana="kana", valid_from="valid_from", valid_to="valid_to"
    )
    assert again == h
    assert again != Hierarchy.japan()


def test_from_frame_accepts_polars() -> None:
    pl = pytest.importorskip("polars")
    h = Hierarchy.from_frame(
        pl.from_pandas(small_tree()), child="id", parent="up", level="kind", name="label"
    )
    assert h.parent("e1") == "east"


@pytest.mark.parametrize(
    ("rows", "kind", "pattern"),
    [
        ({"code": ["a", "b"], "parent": ["b", "a"]}, ModelError, r"cycle.*'a'.*'b'"),
        ({"code": ["a", "b", "c"], "parent": [None, "c", "b"]}, ModelError, "cycle"),
        ({"code": ["a"], "parent": ["a"]}, ModelError, "own parent"),
        ({"code": ["a", "b"], "parent": [None, "x"]}, ModelError, r"parent 'x' of code 'b'"),
        ({"code": ["a", ""], "parent": [None, "a"]}, FormatError, "empty code"),
        ({"code": ["a", None], "parent": [None, "a"]}, FormatError, "empty code"),
        ({"code": [1, 2], "parent": [None, 1]}, FormatError, "numbers"),
    ],
)
def test_from_frame_structure_errors(
    rows: dict[str, list[object]], kind: type, pattern: str
) -> None:
    frame = pd.DataFrame(rows)
    with pytest.raises(kind, match=pattern):
        Hierarchy.from_frame(frame, level=None)


def test_from_frame_level_errors() -> None:
    same = pd.DataFrame({"code": ["a", "b"], "parent": [None, "a"], "level": ["x", "x"]})
    with pytest.raises(ModelError, match="both at level 'x'"):
        Hierarchy.from_frame(same)
    two = pd.DataFrame(
        {"code": ["a", "b", "b"], "parent": [None, "a", "a"], "level": ["x", "y", "z"]}
    )
    with pytest.raises(ModelError, match="two levels"):
        Hierarchy.from_frame(two)
    crossed = pd.DataFrame(
        {
            "code": ["r", "a", "b", "c", "d"],
            "parent": [None, "r", "r", "a", "b"],
            "level": ["top", "x", "y", "y", "x"],
        }
    )
    with pytest.raises(ModelError, match="no consistent top-down order"):
        Hierarchy.from_frame(crossed)
    with pytest.raises(FormatError, match="no level column 'level'"):
        Hierarchy.from_frame(pd.DataFrame({"code": ["a"], "parent": [None]}))


def test_from_frame_two_parents_at_one_date() -> None:
    frame = pd.DataFrame(
        {
            "code": ["P", "Q", "t", "t"],
            "parent": [None, None, "P", "Q"],
            "level": ["pref", "pref", "town", "town"],
            "from": [None, None, None, "2024-01-01"],
            "to": [None, None, "2024-06-01", None],
        }
    )
    with pytest.raises(ModelError, match=r"'t' has two parents valid at the same date.*'P'.*'Q'"):
        Hierarchy.from_frame(frame, valid_from="from", valid_to="to")


def test_from_frame_date_errors() -> None:
    base = {"code": ["P", "t"], "parent": [None, "P"], "level": ["pref", "town"]}
    bad = pd.DataFrame({**base, "from": [None, "someday"]})
    with pytest.raises(FormatError, match=r"'someday'.*not a date") as info:
        Hierarchy.from_frame(bad, valid_from="from")
    assert info.value.row == 1
    backwards = pd.DataFrame({**base, "from": [None, "2025-01-01"], "to": [None, "2024-01-01"]})
    with pytest.raises(FormatError, match="not before valid_to"):
        Hierarchy.from_frame(backwards, valid_from="from", valid_to="to")
    orphan = pd.DataFrame({**base, "to": ["2024-01-01", None]})
    with pytest.raises(ModelError, match=r"'t' points at parent 'P'.*does not exist"):
        Hierarchy.from_frame(orphan, valid_to="to")


# ------------------------------------------------------------------ mergers


def merger_frame() -> pd.DataFrame:
    """Two towns merge into a new city on 2025-01-01; a village moves prefecture on 2024-04-01.

    Codes are real-shaped (valid check digits) but the event is made up.
    """
    a, b, c = ("01" + "6" + "01", "01602", "01220")
    a6, b6, c6 = (x + check_digit(x) for x in (a, b, c))
    v6 = "02401" + check_digit("02401")
    return pd.DataFrame(
        {
            "code": ["JP", "010006", "020001", a6, b6, c6, v6, v6],
            "parent": [None, "JP", "JP", "010006", "010006", "010006", "010006", "020001"],
            "level": ["nation", "prefecture", "prefecture"] + ["municipality"] * 5,
            "name": ["全国", "北海道", "青森県", "A町", "B町", "C市", "V村", "V村"],
            "from": [None, None, None, None, None, "2025-01-01", None, "2024-04-01"],
            "to": [None, None, None, "2025-01-01", "2025-01-01", None, "2024-04-01", None],
        }
    )


def test_merger_tree_by_date() -> None:
    frame = merger_frame()
    a6, b6, c6, v6 = frame["code"].iloc[3:7]
    h = Hierarchy.from_frame(frame, name="name", valid_from="from", valid_to="to")
    assert h.change_dates == (dt.date(2024, 4, 1), dt.date(2025, 1, 1))
    assert h.children("010006", at="2024-12-31") == (a6, b6)
    assert h.children("010006", at=dt.date(2025, 1, 1)) == (c6,)
    assert h.parent(v6, at="2024-03-31") == "010006"
    assert h.parent(v6, at="2024-04-01") == "020001"
    assert h.parent(v6) == "020001"  # latest version
    assert h.codes(level="municipality") == (c6, v6)
    assert h.codes(level="municipality", at="2020-01-01") == (a6, b6, v6)
    with pytest.raises(ModelError, match=r"does not exist at 2025-06-30.*2025-01-01\)"):
        h.parent(a6, at="2025-06-30")
    assert Hierarchy.from_frame(frame, valid_from="from", valid_to="to", as_of="2024-01-01").parent(
        v6
    ) == ("010006")


def test_merger_rollup_index_per_row_dates() -> None:
    frame = merger_frame()
    a6, b6, c6, v6 = frame["code"].iloc[3:7]
    h = Hierarchy.from_frame(frame, valid_from="from", valid_to="to")
    codes = [a6, b6, v6, c6, v6, a6]
    dates = pd.to_datetime(
        ["2024-12-31", "2024-12-31", "2024-03-31", "2025-01-01", "2024-04-01", "2024-06-30"]
    )
    ri = h.rollup_index(codes, at=dates)
    pref = ri.orgs[ri.level("prefecture")].tolist()
    assert pref == ["010006", "010006", "010006", "010006", "020001", "010006"]
    assert ri.orgs[ri.position].tolist() == codes
    # the village's latest parent is 青森県
    v = ri.orgs.tolist().index(v6)
    assert ri.orgs[ri.parents[v]] == "020001"
    # sums by prefecture before and after the move
    values = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    total = np.bincount(ri.level("prefecture"), weights=values, minlength=len(ri.orgs))
    assert total[ri.orgs.tolist().index("010006")] == 47.0
    assert total[ri.orgs.tolist().index("020001")] == 16.0
    # one date for all rows
    before = h.rollup_index([a6, v6], at="2024-01-01")
    assert before.orgs[before.level("prefecture")].tolist() == ["010006", "010006"]
    after = h.rollup_index([c6, v6])
    assert after.orgs[after.level("prefecture")].tolist() == ["010006", "020001"]


def test_merger_old_code_after_merger_is_an_error() -> None:
    frame = merger_frame()
    a6 = frame["code"].iloc[3]
    h = Hierarchy.from_frame(frame, valid_from="from", valid_to="to")
    with pytest.raises(FormatError, match=rf"'{a6}' \(first at row 1\) does not exist at 2025-02"):
        h.rollup_index([a6, a6], at=np.array(["2024-01-01", "2025-02-01"], dtype="datetime64[D]"))
    with pytest.raises(FormatError, match="latest version"):
        h.rollup_index([a6])
    with pytest.raises(ModelError, match="one date per code"):
        h.rollup_index([a6], at=["2024-01-01", "2024-02-01"])


# ------------------------------------------------------------------ groupings


def test_grouping_population_bands() -> None:
    bands = pd.DataFrame(
        {"code": ["011002", "13101", "012025"], "group": ["100万人以上", "5万人未満", "20万人以上"]}
    )
    base = Hierarchy.japan()
    h = base.with_grouping("人口規模", bands)
    assert base.groupings == ()  # the original is unchanged
    assert h.groupings == ("人口規模",)
    assert h.parent("011002") == "010006"  # the tree is unchanged
    ri = h.rollup_index(["012025", "011002", "131024", "131016"])
    g = ri.groupings["人口規模"]
    assert g.level == "municipality"
    assert g.labels[g.index[[0, 1, 3]]].tolist() == ["20万人以上", "100万人以上", "5万人未満"]
    assert g.index[2] == -1


def test_grouping_at_prefecture_level_covers_municipalities() -> None:
    h = Hierarchy.japan().with_grouping("地方", {"130001": "関東", "010006": "北海道"})
    g = h.rollup_index(["131016", "011002", "JP"]).groupings["地方"]
    assert g.level == "prefecture"
    assert g.labels[g.index[:2]].tolist() == ["関東", "北海道"]
    assert g.index[2] == -1


def test_grouping_errors() -> None:
    h = Hierarchy.japan()
    with pytest.raises(ModelError, match="unknown code"):
        h.with_grouping("g", {"13199" + check_digit("13199"): "x"})
    with pytest.raises(ModelError, match="mixes codes of levels"):
        h.with_grouping("g", {"131016": "x", "130001": "y"})
    with pytest.raises(ModelError, match="not 'prefecture'"):
        h.with_grouping("g", {"131016": "x"}, level="prefecture")
    with pytest.raises(ModelError, match="appears twice"):
        h.with_grouping("g", {"131016": "x", "13101": "y"})
    g = h.with_grouping("g", {"131016": "x"})
    with pytest.raises(ModelError, match="already exists"):
        g.with_grouping("g", {"131016": "x"})


# ------------------------------------------------------------------ property: reference


@st.composite
def versioned_trees(draw: st.DrawFn) -> tuple[pd.DataFrame, list[str]]:
    n_levels = draw(st.integers(1, 4))
    per_level = [draw(st.integers(1, 4)) for _ in range(n_levels)]
    names = [[f"c{lv}_{i}" for i in range(k)] for lv, k in enumerate(per_level)]
    rows: list[dict[str, object]] = []
    dates = ["2020-01-01", "2022-07-01", "2025-01-01"]
    for lv, level_codes in enumerate(names):
        for code in level_codes:
            if lv == 0:
                rows.append(
                    {"code": code, "parent": None, "level": f"L{lv}", "from": None, "to": None}
                )
                continue
            above = [c for lvl in names[:lv] for c in lvl]
            first = draw(st.sampled_from(above))
            if draw(st.booleans()):
                when = draw(st.sampled_from(dates))
                second = draw(st.sampled_from(above))
                rows.append(
                    {"code": code, "parent": first, "level": f"L{lv}", "from": None, "to": when}
                )
                rows.append(
                    {"code": code, "parent": second, "level": f"L{lv}", "from": when, "to": None}
                )
            else:
                rows.append(
                    {"code": code, "parent": first, "level": f"L{lv}", "from": None, "to": None}
                )
    frame = pd.DataFrame(rows)
    return frame, [c for lvl in names for c in lvl]


def reference_chain(frame: pd.DataFrame, code: str, day: pd.Timestamp | None) -> list[str]:
    """Ancestors of ``code`` (itself first) by scanning the rows in plain Python."""
    records = frame.to_dict("records")
    chain = [code]
    while True:
        found = None
        for row in records:
            if row["code"] != chain[-1]:
                continue
            start = None if pd.isna(row["from"]) else pd.Timestamp(row["from"])
            end = None if pd.isna(row["to"]) else pd.Timestamp(row["to"])
            if day is None:
                if end is None:
                    found = row
            elif (start is None or start <= day) and (end is None or day < end):
                found = row
        assert found is not None
        if pd.isna(found["parent"]):
            return chain
        chain.append(str(found["parent"]))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), tree=versioned_trees())
def test_rollup_index_matches_reference(
    data: st.DataObject, tree: tuple[pd.DataFrame, list[str]]
) -> None:
    frame, codes = tree
    h = Hierarchy.from_frame(frame, valid_from="from", valid_to="to")
    level_rank = {lv: i for i, lv in enumerate(h.levels)}
    observed = data.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=12))
    days = data.draw(
        st.lists(
            st.dates(dt.date(2018, 1, 1), dt.date(2027, 1, 1)),
            min_size=len(observed),
            max_size=len(observed),
        )
    )
    stamps = [pd.Timestamp(d) for d in days]
    per_row = h.rollup_index(observed, at=np.array(days, dtype="datetime64[D]"))
    scalar_day = stamps[0]
    one_date = h.rollup_index(observed, at=days[0])
    latest = h.rollup_index(observed)
    for ri, when in (
        (per_row, stamps),
        (one_date, [scalar_day] * len(observed)),
        (latest, [None] * len(observed)),
    ):
        expected_orgs: set[str] = set()
        for i, code in enumerate(observed):
            chain = reference_chain(frame, code, when[i])
            expected_orgs.update(chain)
            expected = [-1] * len(h.levels)
            for c in chain:
                expected[level_rank[h.level_of(c)]] = ri.orgs.tolist().index(c)
            assert ri.ancestors[i].tolist() == expected
            assert ri.orgs[ri.position[i]] == code
        assert (
            sorted(expected_orgs, key=lambda c: (level_rank[h.level_of(c)], c)) == ri.orgs.tolist()
        )
        assert [h.levels[k] for k in ri.org_level] == [h.level_of(c) for c in ri.orgs]
    # parents agree with the scalar query at one date
    for k, org in enumerate(one_date.orgs.tolist()):
        parent = h.parent(org, at=days[0])
        got = one_date.parents[k]
        assert (None if got < 0 else one_date.orgs[got]) == parent


# ------------------------------------------------------------------ wards, names, coverage counts


def test_japan_wards_of_designated_cities() -> None:
    h = Hierarchy.japan()
    # 札幌市 011002 has 10 wards; 中央区 011011 is one of them, under the city
    assert h.level_of("011011") == "ward"
    assert h.parent("011011") == "011002"
    assert h.ancestors("011011") == ("011002", "010006", "JP")
    assert len(h.children("011002")) == 10
    assert h.name("011011") == "中央区"
    assert h.name("011011", full=True) == "北海道札幌市中央区"
    assert h.kana("011011") == "チュウオウク"
    # 20 designated cities have wards; 東京都's 特別区 are municipalities, not wards
    wards = h.codes(level="ward")
    assert len({h.parent(w) for w in wards}) == 20
    assert h.level_of("131016") == "municipality"


def test_expected_counts_at_the_counted_level() -> None:
    h = Hierarchy.japan()
    assert h.expected_counts(["JP", "010006", "130001", "011002", "011011"]).tolist() == [
        1741,
        179,
        62,
        1,
        1,
    ]


def test_expected_counts_follow_a_merger() -> None:
    rows = pd.DataFrame(
        {
            "code": ["P", "A", "B", "C"],
            "parent": [None, "P", "P", "P"],
            "level": ["pref", "muni", "muni", "muni"],
            "to": [None, "2025-01-01", "2025-01-01", None],
            "from": [None, None, None, "2025-01-01"],
        }
    )
    h = Hierarchy.from_frame(rows, valid_from="from", valid_to="to")
    assert h.counted_level == "muni"
    got = h.expected_counts(
        ["P", "P", "A", "C"], at=["2024-12-31", "2025-01-01", "2025-06-30", "2024-01-01"]
    )
    assert got.tolist() == [2, 1, 0, 0]


def test_find_by_code_name_full_name_and_kana() -> None:
    h = Hierarchy.japan()
    assert h.find("016616") == "016616"
    assert h.find("01661") == "016616"
    assert h.find("釧路町") == "016616"
    assert h.find("北海道釧路町") == "016616"
    assert h.find("くしろちょう") == "016616"
    assert h.find("ｸｼﾛﾁｮｳ") == "016616"
    assert h.find("全国") == "JP"
    with pytest.raises(ModelError, match="012335"):
        h.find("伊達市")
    with pytest.raises(ModelError, match="nearest"):
        h.find("釧路村")


def test_japan_round_trips_through_a_frame_with_its_counted_level() -> None:
    h = Hierarchy.japan()
    again = Hierarchy.from_frame(
        h.to_frame(),
        name="name",
        kana="kana",
        valid_from="valid_from",
        valid_to="valid_to",
        counted_level=h.counted_level,
    )
    assert again.counted_level == "municipality"
    assert again.expected_counts(["JP", "010006"]).tolist() == [1741, 179]
    assert again.level_of("011011") == "ward"
    with pytest.raises(ModelError, match="counted_level"):
        Hierarchy.from_frame(h.to_frame(), counted_level="village")
