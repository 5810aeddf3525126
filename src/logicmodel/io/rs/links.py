"""The 3-2 table: links between the nodes read from 3-1."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from logicmodel.io.rs.common import (
    _KIND_OF,
    _REQUIRED_3_2,
    C_NOSTAGES,
    C_PROJECT,
    C_RATIONALE,
    C_YEAR,
    E2_KIND,
    E2_NO,
    RS_3_2_COLUMNS,
    _nfkc,
    _project_key,
)
from logicmodel.io.rs.files import _read_table, _Source
from logicmodel.io.rs.values import (
    _MAX_TEXT,
    _blank_to_nan,
    _build,
    _check_text,
    _clean,
    _Findings,
    _isin,
    _near,
    _number_id,
    _texts,
)
from logicmodel.model import (
    Link,
)


def _read_links(
    src: _Source,
    pkeys_3_1: set[str],
    found: _Findings,
    year: int | None,
    project: str | int | None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The 3-2 links that name two nodes of a project in the 3-1 file, once each, in file order.

    Returns the candidates (``pkey, source, target, rationale, line, pid``) and the
    アウトカムを複数段階で設定できない理由 of each project (by project key).
    """
    known = tuple(RS_3_2_COLUMNS)
    df, _ = _read_table(src, "3-2 (効果発現経路_目標のつながり)", _REQUIRED_3_2, known)
    df["_row"] = np.arange(2, len(df) + 2, dtype=np.int64)
    _check_text(df, src.name, {C_RATIONALE: _MAX_TEXT, C_NOSTAGES: _MAX_TEXT})
    if year is not None and (df[C_YEAR] != "").any():
        col = df[C_YEAR].astype(str)
        df = df[
            (
                col.map({u: re.sub(r"\D", "", _nfkc(u)) for u in col.unique()}) == str(year)
            ).to_numpy()
        ]
    pkey = (
        df[C_PROJECT]
        .astype(str)
        .map({u: _project_key(u) for u in df[C_PROJECT].astype(str).unique()})
    )
    if project is not None:
        keep = (pkey == _project_key(str(project))).to_numpy()
        df, pkey = df[keep], pkey[keep]
    ends: list[pd.Series] = []
    for side in (0, 1):
        k_raw = _clean(df[E2_KIND[side]])
        kind = k_raw.map({u: _KIND_OF.get(re.sub(r"\s+", "", u)) for u in k_raw.unique()})
        num = (
            df[E2_NO[side]]
            .astype(str)
            .map({u: _number_id(u) for u in df[E2_NO[side]].astype(str).unique()})
        )
        end = (kind.fillna("x").astype(str) + "_" + num.astype(str)).astype(object)
        ends.append(end.where(kind.notna().to_numpy() & (num != "").to_numpy(), None))
    links = pd.DataFrame(
        {
            "pkey": pkey.to_numpy(dtype=object),
            "source": ends[0].to_numpy(dtype=object),
            "target": ends[1].to_numpy(dtype=object),
            "rationale": _texts(_blank_to_nan(df[C_RATIONALE])),
            "line": df["_row"].to_numpy(dtype=np.int64),
            "pid": df[C_PROJECT].to_numpy(dtype=object),
        }
    )
    no_stage = _blank_to_nan(df[C_NOSTAGES])
    has = no_stage.notna().to_numpy()
    reasons_by_key = (
        pd.DataFrame({"p": links["pkey"].to_numpy()[has], "r": no_stage.to_numpy()[has]})
        .drop_duplicates("p")
        .set_index("p")["r"]
        .astype(str)
        .to_dict()
    )
    reasons = {str(k): str(v) for k, v in reasons_by_key.items()}
    parsed = links["source"].notna().to_numpy() & links["target"].notna().to_numpy()
    in_3_1 = _isin(links["pkey"], list(pkeys_3_1))
    is_self = parsed & (links["source"] == links["target"]).to_numpy()
    cand = parsed & in_3_1 & ~is_self
    twice = np.zeros(len(links), dtype=bool)
    twice[cand] = links[cand].duplicated(["pkey", "source", "target"]).to_numpy()
    src_l, dst_l = _texts(links["source"]), _texts(links["target"])
    for k in np.flatnonzero(~parsed | ~in_3_1 | is_self | twice).tolist():
        s, t = src_l[k], dst_l[k]
        line, raw_pid = int(links["line"].to_numpy()[k]), str(links["pid"].to_numpy()[k])
        if not parsed[k]:
            end_name = "派生元" if s is None else "派生先"
            found.add(
                "LM314",
                src.name,
                line,
                f"{end_name} number or 種別 not understood; link skipped",
                f"{end_name}の番号または種別を解釈できないため読み飛ばしました",
                ids=(raw_pid,),
            )
        elif not in_3_1[k]:
            found.add(
                "LM312",
                src.name,
                line,
                f"project {raw_pid!r} has no rows in the 3-1 sheet; link {s} → {t} dropped",
                f"予算事業ID {raw_pid!r} は3-1にありません",
                column=C_PROJECT,
                ids=(raw_pid,),
            )
        else:
            what = "links a node to itself" if is_self[k] else "is given twice"
            found.add(
                "LM313",
                src.name,
                line,
                f"link {s} → {t} {what}; dropped",
                f"つながり {s} → {t} は重複または自己参照のため除きました",
                ids=(raw_pid, str(s)),
            )
    return links[cand & ~twice].reset_index(drop=True), reasons


def _place_links(
    cand: pd.DataFrame,
    *,
    p_pid: np.ndarray[Any, Any],
    p_pkey: np.ndarray[Any, Any],
    n_pc: np.ndarray[Any, Any],
    n_id: np.ndarray[Any, Any],
    found: _Findings,
    name: str,
) -> dict[int, list[Link]]:
    """Links per project index: each candidate goes to every project with its key whose nodes
    hold both ends (a finding otherwise)."""
    projects = pd.DataFrame({"pc": np.arange(len(p_pkey)), "pkey": p_pkey})
    x = cand.assign(_li=np.arange(len(cand))).merge(projects, on="pkey", how="inner")
    x = x.iloc[np.lexsort((x["_li"].to_numpy(), x["pc"].to_numpy()))]
    node_keys = pd.Series(n_pc).astype(str) + "\x1f" + pd.Series(n_id, dtype=object)
    pc_text = x["pc"].astype(str) + "\x1f"
    src_ok = _isin(pc_text + x["source"].astype(str), node_keys)
    dst_ok = _isin(pc_text + x["target"].astype(str), node_keys)
    n_bounds = np.searchsorted(n_pc, np.arange(len(p_pkey) + 1))
    out: dict[int, list[Link]] = {}
    for pc, s, t, why, line, s_ok, t_ok in zip(
        x["pc"].tolist(),
        _texts(x["source"]),
        _texts(x["target"]),
        _texts(x["rationale"]),
        x["line"].tolist(),
        src_ok.tolist(),
        dst_ok.tolist(),
        strict=True,
    ):
        if s_ok and t_ok:
            out.setdefault(pc, []).append(
                _build(Link, {"source": s, "target": t, "rationale": why})
            )
            continue
        p = str(p_pid[pc])
        gone = s if not s_ok else t
        node_ids = n_id[n_bounds[pc] : n_bounds[pc + 1]].tolist()
        found.add(
            "LM312",
            name,
            int(line),
            f"link {s} → {t}: node {gone!r} is not in the 3-1 sheet "
            f"of project {p!r}; link dropped" + _near(gone, node_ids),
            f"つながり {s} → {t} のノード {gone!r} が3-1にありません",
            ids=(p, gone),
        )
    return out
