"""Text columns that come in runs are factorised one value per run (issue 9): the codes and the
distinct values are Arrow's dictionary encoding of the whole column, for pandas ``str`` and polars
string views; duplicates are still found in a sorted table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import logicmodel as lm
from logicmodel.intake import columns
from logicmodel.testing import sample_model

pa = pytest.importorskip("pyarrow")  # the run path is for Arrow-backed text
pc = pytest.importorskip("pyarrow.compute")

WORDS = ["ind01", "日本", "", "abcdefghijkl", "011002", "2024-06"]


def _runs(seed: int, n: int, words: list[str]) -> list[str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 40, n)
    picked = np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]
    return list(np.repeat(picked, lengths)[:n])


def _as_dictionary(chunked: Any) -> tuple[list[int], list[str]]:
    encoded = pc.dictionary_encode(chunked.combine_chunks())
    return encoded.indices.to_numpy().tolist(), encoded.dictionary.to_pylist()


@pytest.mark.parametrize("seed", range(5))
def test_runs_of_pandas_text_factorise_like_dictionary_encoding(seed: int) -> None:
    series = pd.Series(pd.array(_runs(seed, 2_000, WORDS), dtype="str"))
    chunked = columns.arrow_text(series)
    assert columns._factorize_runs(chunked) is not None  # the run path is the one tested
    codes, distinct = columns.factorize(series)
    assert (codes.tolist(), distinct.tolist()) == _as_dictionary(chunked)


@pytest.mark.parametrize("long_value", [False, True])
def test_runs_of_polars_string_views_factorise_like_dictionary_encoding(long_value: bool) -> None:
    pl = pytest.importorskip("polars")
    values = _runs(7, 3_000, WORDS)
    if long_value:  # a value longer than 12 bytes is not inlined in its view: the plain path
        values[-1] = "a value longer than twelve bytes"
    array = pl.Series(values).to_arrow(compat_level=pl.CompatLevel.newest())
    assert pa.types.is_string_view(array.type)
    series = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([array])))
    chunked = columns.arrow_text(series)
    assert (columns._factorize_runs(chunked) is None) == long_value
    codes, distinct = columns.factorize(series)
    assert (codes.tolist(), distinct.tolist()) == _as_dictionary(chunked)


def test_a_duplicate_next_to_its_twin_in_a_sorted_table_is_lm304() -> None:
    model = sample_model()
    obs = pd.DataFrame(
        {
            "indicator": ["orgs_n"] * 4,
            "org": ["011002", "011002", "011002", "012025"],
            "period": ["FY2022", "FY2023", "FY2023", "FY2023"],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    issues = [i for i in lm.check(model, obs) if i.code == "LM304"]
    assert len(issues) == 1
    assert "rows 1, 2" in issues[0].where
