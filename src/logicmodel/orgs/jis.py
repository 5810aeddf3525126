"""JIS X 0402 全国地方公共団体コード: check digits, validity, normalising one code or a column."""

from __future__ import annotations

import datetime as _dt
import unicodedata
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from logicmodel.errors import FormatError

NATION = "JP"
"""The code of the nation (全国) in :meth:`Hierarchy.japan`."""

_WEIGHTS = np.array([6, 5, 4, 3, 2], dtype=np.int64)
_STRING_HINT = (
    "read the column as strings, e.g. pd.read_csv(path, dtype={{{col!r}: str}}) "
    "or lm.read_observations(path), so that codes such as 011002 keep their leading zero"
)

IntArray: TypeAlias = npt.NDArray[np.int32]
ObjArray: TypeAlias = npt.NDArray[np.object_]
DateLike: TypeAlias = "_dt.date | str | np.datetime64 | pd.Timestamp"


# --------------------------------------------------------------------------------------------
# JIS X 0402 helpers
# --------------------------------------------------------------------------------------------


def _digits_only(text: str) -> bool:
    return text.isascii() and text.isdigit()


def check_digit(code5: str) -> str:
    """The JIS X 0402 check digit of a 5-digit local government code.

    Parameters
    ----------
    code5
        The first five digits (2 prefecture + 3 municipality), as text.

    Returns
    -------
    str
        One digit, ``(11 - sum(d_i * w_i) mod 11) mod 10`` with weights 6, 5, 4, 3, 2.

    Raises
    ------
    FormatError
        If ``code5`` is not five ASCII digits.

    Examples
    --------
    >>> check_digit("13101"), check_digit("01100"), check_digit("13000")
    ('6', '2', '1')
    """
    if not isinstance(code5, str) or len(code5) != 5 or not _digits_only(code5):
        raise FormatError(
            f"check digit needs five digits as text, got {code5!r}; "
            "pass the code as a string such as '13101'"
        )
    total = sum(int(d) * int(w) for d, w in zip(code5, _WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def is_valid_code(code: object) -> bool:
    """Whether ``code`` is a 6-digit JIS X 0402 code with a correct check digit (or ``"JP"``).

    Never raises: anything that is not such a string (numbers included) is ``False``.

    Examples
    --------
    >>> is_valid_code("131016"), is_valid_code("131017"), is_valid_code("JP"), is_valid_code(131016)
    (True, False, True, False)
    """
    if not isinstance(code, str):
        return False
    if code == NATION:
        return True
    if len(code) != 6 or not _digits_only(code):
        return False
    return check_digit(code[:5]) == code[5]


def _normalize_one(text: str) -> tuple[str | None, str]:
    """(normalised code, "") or (None, reason) for one stripped, NFKC-normalised text."""
    if text == NATION:
        return text, ""
    if not _digits_only(text):
        return None, "is not a 5- or 6-digit code (digits only, or 'JP' for the nation)"
    if len(text) == 5:
        return text + check_digit(text), ""
    if len(text) == 6:
        expected = check_digit(text[:5])
        if text[5] != expected:
            return None, (
                f"has a wrong check digit: expected {expected!r} (the code is "
                f"{text[:5] + expected!r}), got {text[5]!r}"
            )
        return text, ""
    if len(text) == 4:
        return None, (
            "has 4 digits: a leading zero was probably lost when the column was read as numbers; "
            f"it may be {'0' + text!r}"
        )
    return None, "is not a 5- or 6-digit code (digits only, or 'JP' for the nation)"


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def normalize_code(code: str) -> str:
    """One JIS X 0402 code as the 6-digit form with its check digit.

    Five digits get the check digit appended; six digits are validated; ``"JP"`` (the nation)
    passes through. Full-width digits and surrounding spaces are accepted.

    Raises
    ------
    FormatError
        If ``code`` is not text, not 5/6 digits, or has a wrong check digit (the message gives
        the expected digit).

    Examples
    --------
    >>> normalize_code("01100"), normalize_code("０１１００２"), normalize_code("JP")
    ('011002', '011002', 'JP')
    >>> normalize_code("131017")
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormatError: org code '131017' has a wrong check digit: expected '6' ...
    """
    if not isinstance(code, str):
        raise FormatError(
            f"org code {code!r} is a {type(code).__name__}, not text; "
            + _STRING_HINT.format(col="org")
        )
    result, reason = _normalize_one(_clean(code))
    if result is None:
        raise FormatError(f"org code {code!r} {reason}")
    return result


def _string_uniques(
    values: object, *, column: str
) -> tuple[ObjArray, npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Distinct values of a code column as Python str, the inverse, and each one's first row.

    Raises FormatError for numeric columns, non-text values and missing values.
    """
    if isinstance(values, pd.Index):
        values = values.to_series(index=None)
    if isinstance(values, pd.Series):
        dtype = values.dtype
        series = values
    else:
        arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
        if arr.ndim != 1:
            raise FormatError(
                f"codes must be one-dimensional, got shape {arr.shape}", column=column
            )
        dtype = arr.dtype
        series = pd.Series(arr, copy=False)
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        raise FormatError(
            f"column {column!r} holds numbers ({dtype}), not code text; "
            + _STRING_HINT.format(col=column),
            column=column,
        )
    inverse, uniques = pd.factorize(series, use_na_sentinel=True)
    inverse = np.asarray(inverse, dtype=np.intp)
    if (inverse < 0).any():
        row = int(np.argmax(inverse < 0))
        raise FormatError(
            f"missing code in column {column!r} (first at row {row}); every row needs an org code",
            column=column,
            row=row,
        )
    uniq = np.asarray(uniques, dtype=object)
    first = np.full(len(uniq), len(inverse), dtype=np.intp)
    np.minimum.at(first, inverse, np.arange(len(inverse), dtype=np.intp))
    for k, value in enumerate(uniq):
        if not isinstance(value, str):
            raise FormatError(
                f"code {value!r} in column {column!r} (first at row {int(first[k])}) is a "
                f"{type(value).__name__}, not text; " + _STRING_HINT.format(col=column),
                column=column,
                row=int(first[k]),
            )
    return uniq, inverse, first


def normalize_codes(values: object, *, column: str = "org") -> ObjArray:
    """Normalise a whole column of JIS X 0402 codes to the 6-digit form, vectorised.

    Works on the distinct values only, so a column of millions of rows costs one factorisation.

    Parameters
    ----------
    values
        A pandas Series, Index, numpy array or sequence of code text (5 or 6 digits, or ``"JP"``).
    column
        The column name used in error messages.

    Returns
    -------
    numpy.ndarray
        Object array of ``str``, one normalised code per input value.

    Raises
    ------
    FormatError
        If the column is numeric (codes such as ``01100`` lost their leading zero: read the
        column as strings), a value is missing or not text, or a code is malformed or has a wrong
        check digit. The message names the value, its first row (0-based position) and, for a
        wrong check digit, the expected digit.

    Examples
    --------
    >>> import pandas as pd
    >>> normalize_codes(pd.Series(["01100", "011002", "13101", "JP"])).tolist()
    ['011002', '011002', '131016', 'JP']
    >>> normalize_codes(pd.Series([1100, 13101]))
    Traceback (most recent call last):
    ...
    logicmodel.errors.FormatError: column org: column 'org' holds numbers (int64), not code text; ...
    """
    uniq, inverse, first = _string_uniques(values, column=column)
    out = _normalize_uniques(uniq, first, column=column)
    result: ObjArray = out[inverse]
    return result


def _normalize_uniques(uniq: ObjArray, first: npt.NDArray[np.intp], *, column: str) -> ObjArray:
    out = np.empty(len(uniq), dtype=object)
    for k, value in enumerate(uniq):
        normal, reason = _normalize_one(_clean(value))
        if normal is None:
            row = int(first[k])
            raise FormatError(
                f"org code {value!r} (first at row {row}) {reason}", column=column, row=row
            )
        out[k] = normal
    return out


def _search_key(text: object) -> str | None:
    """A name or reading folded for search: NFKC (half-width kana become full-width), spaces
    dropped, hiragana turned into katakana."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", str(text)).replace(" ", "").replace("\u3000", "")
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in folded)
