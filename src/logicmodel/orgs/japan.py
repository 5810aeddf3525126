"""Japan's packaged tree: prefectures, municipalities (JIS X 0402) and designated-city wards."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from logicmodel.orgs.jis import NATION, _search_key


@functools.cache
def _japan_table() -> pd.DataFrame:
    """The packaged JIS X 0402 table, parsed once (codes and names as text)."""
    return _packaged_csv("jis_x0402.csv")


def _packaged_csv(name: str) -> pd.DataFrame:
    source = resources.files("logicmodel").joinpath(f"data/{name}")
    with source.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def japan_tree() -> dict[str, Any]:
    """Japan's tree as the arrays a :class:`Hierarchy` is built from (a new copy on each call).

    全国 → 47 prefectures → 1,741 municipalities (JIS X 0402) → the 175 wards of the designated
    cities, with names, kana and the prefix of each full name.
    """
    table = _japan_table()
    code = table["code"].to_numpy(dtype=object)
    city = table["city"].to_numpy(dtype=object)
    is_pref = city == ""
    pref_of = dict(zip(table["code"].str[:2][is_pref], table["code"][is_pref], strict=True))
    parent = table["code"].str[:2].map(pref_of).to_numpy(dtype=object)
    parent[is_pref] = NATION
    kana_pref = table["prefecture_kana"].str.normalize("NFKC").to_numpy(dtype=object)
    kana_city = table["city_kana"].str.normalize("NFKC").to_numpy(dtype=object)
    pref_name = table["prefecture"].to_numpy(dtype=object)
    prefix = pref_name.copy()
    prefix[is_pref] = None
    # the 175 wards of the designated cities, below their city (kana hiragana → katakana)
    wards = _packaged_csv("designated_city_wards.csv")
    w_kana = np.asarray([_search_key(k) for k in wards["ward_kana"].tolist()], dtype=object)
    w_prefix = (wards["prefecture"] + wards["city"]).to_numpy(dtype=object)
    n = len(table) + 1 + len(wards)
    return {
        "codes": np.concatenate([[NATION], code, wards["code"].to_numpy(dtype=object)]).astype(
            object
        ),
        "parents": np.concatenate(
            [[None], parent, wards["city_code"].to_numpy(dtype=object)]
        ).astype(object),
        "levels": np.concatenate(
            [
                ["nation"],
                np.where(is_pref, "prefecture", "municipality"),
                np.full(len(wards), "ward"),
            ]
        ).astype(object),
        "names": np.concatenate(
            [["全国"], np.where(is_pref, pref_name, city), wards["ward"].to_numpy(dtype=object)]
        ).astype(object),
        "kanas": np.concatenate(
            [["ゼンコク"], np.where(is_pref, kana_pref, kana_city), w_kana]
        ).astype(object),
        "prefixes": np.concatenate([[None], prefix, w_prefix]).astype(object),
        "start": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        "end": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
        "as_of": None,
        "jis": True,
        "counted_level": "municipality",
    }
