"""The mixed-type tables of HI-VAE as typed pandas DataFrames, with their masks.

Nazabal, Olmos, Ghahramani and Valera, "Handling incomplete heterogeneous
data using VAEs", Pattern Recognition 2020, published four tables with their
column types and three 20% MCAR masks each; they lie in
``../shared/data/mixed/`` (provenance: ``../shared/data/README.md``):

* Adult, 32,561 x 12: 2 count, 3 pos, 1 ordinal (16 levels), 6 cat;
* defaultCredit, 30,000 x 24: 7 pos, 6 real, 1 count, 6 ordinal (11
  levels), 4 cat;
* Wine, 6,497 x 13: 11 pos, 1 count, 1 cat;
* Breast, 699 x 10: 9 ordinal (10 levels), 1 cat.

Files per table: ``data.csv`` (no header, categories coded as integers),
``data_types.csv`` (``type,dim,nclass``, one row per column; Breast's has
old-Mac ``\\r`` line ends), ``Missing20_{1,2,3}.csv`` (the cells to hide) and,
for Adult and Breast, ``MissingTrue.csv`` (the cells missing in the source
data). Masks are 1-based ``(row, column)`` pairs. The truly missing cells are
written ``NaN`` in ``data.csv`` (Adult: workclass and occupation, both on
the same 1,843 rows; Breast: 16 cells of bare nuclei).

Quirks of these copies: Adult's workclass has 7 categories, not UCI's 8
(UCI has 1,836 "?" there; the 7 "Never-worked" rows are missing here too);
Adult has no income column; its fnlwgt is written with 5 significant
digits on 26,891 rows (``2.1565e+05``), so it is rounded. Codes, by their
counts: Adult sex 1 = male (21,790), 2 = female; Wine colour 1 = red
(1,599), 2 = white, white wines first in the file; Breast class 1 = benign
(458), 2 = malignant.

Typed frame
-----------
:func:`load_table` builds one DataFrame per table, with the attribute names
of the UCI source in the column order of ``data.csv``, and these dtypes:

* ``real``, ``pos``: ``float64`` (missing: ``NaN``);
* ``count``: pandas' nullable ``Int64``, so a column with missing cells stays
  integer (missing: ``pd.NA``);
* ``cat``: unordered ``category`` whose categories are the integer codes
  found in the column, sorted (missing: ``NaN``). defaultCredit's SEX is
  declared with 3 classes and holds 2; the frame has the 2 that occur;
* ``ordinal``: ordered ``category`` whose categories are all integers from
  the smallest to the largest code of the column, so that the level distance
  is the difference of codes. The count always equals the declared number of
  levels; a level may not occur (defaultCredit's PAY_5 and PAY_6 never take
  1, Breast's Mitoses never 9).

The truly missing cells are ``NaN`` in the frame: every method gets them as
missing, and they are never scored.

Codes
-----
:func:`to_codes` turns a typed frame into a float matrix (category index
``0..K-1`` for ``cat`` and ``ordinal``, the value otherwise, ``NaN`` where
missing) and :func:`from_codes` turns such a matrix back into a typed frame
(codes rounded and clipped to ``0..K-1``, counts rounded). The scores and
the baselines work on codes.

Error (HI-VAE's)
----------------
On the scored cells of each column: ``cat``, the share misclassified;
``ordinal``, the mean absolute difference in levels divided by the number of
levels; ``real``, ``pos`` and ``count``, the RMSE divided by ``max - min`` of
the column on the full data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mixed"
TABLES = ("Adult", "defaultCredit", "Wine", "Breast")
TYPES = ("real", "pos", "count", "ordinal", "cat")
NUMERIC = ("real", "pos", "count")
GROUPS = {"cat": ("cat",), "ordinal": ("ordinal",), "numeric": NUMERIC}

# Attribute names of the UCI sources, in the column order of data.csv.
COLUMNS = {
    "Adult": [
        "age",
        "workclass",
        "fnlwgt",
        "education",
        "marital-status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "capital-gain",
        "capital-loss",
        "hours-per-week",
    ],
    "defaultCredit": [
        "LIMIT_BAL",
        "SEX",
        "EDUCATION",
        "MARRIAGE",
        "AGE",
        "PAY_0",
        "PAY_2",
        "PAY_3",
        "PAY_4",
        "PAY_5",
        "PAY_6",
        *(f"BILL_AMT{i}" for i in range(1, 7)),
        *(f"PAY_AMT{i}" for i in range(1, 7)),
        "default",
    ],
    "Wine": [
        "fixed acidity",
        "volatile acidity",
        "citric acid",
        "residual sugar",
        "chlorides",
        "free sulfur dioxide",
        "total sulfur dioxide",
        "density",
        "pH",
        "sulphates",
        "alcohol",
        "quality",
        "colour",
    ],
    "Breast": [
        "clump thickness",
        "cell size uniformity",
        "cell shape uniformity",
        "marginal adhesion",
        "epithelial cell size",
        "bare nuclei",
        "bland chromatin",
        "normal nucleoli",
        "mitoses",
        "class",
    ],
}


@dataclass
class Column:
    """One column's name, HI-VAE type, declared and actual number of classes."""

    name: str
    type: str
    nclass: int | None = None  # as declared in data_types.csv
    categories: list = field(default_factory=list)  # cat / ordinal only

    @property
    def n_levels(self):
        return len(self.categories)


@dataclass
class MixedTable:
    """A typed table, its truly missing cells and its MCAR masks.

    ``frame`` has the truly missing cells as missing; ``true_missing`` and
    every mask are boolean arrays of the frame's shape; ``ranges`` is
    ``max - min`` of each column over all rows of the frame (``NaN`` for
    cat and ordinal).
    """

    name: str
    frame: pd.DataFrame
    columns: list
    true_missing: np.ndarray
    masks: list
    ranges: np.ndarray

    @property
    def types(self):
        return [c.type for c in self.columns]


def read_types(path):
    """``data_types.csv`` as a DataFrame, whatever its line ends."""
    text = Path(path).read_bytes().decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return pd.read_csv(io.StringIO(text))


def read_cells(path, shape):
    """A boolean array of ``shape``, True at the 1-based (row, column) pairs."""
    pairs = pd.read_csv(path, header=None).to_numpy() - 1
    mask = np.zeros(shape, dtype=bool)
    mask[pairs[:, 0], pairs[:, 1]] = True
    return mask


def dtype_of(column):
    """The pandas dtype of a typed column."""
    if column.type in ("real", "pos"):
        return np.dtype("float64")
    if column.type == "count":
        return pd.Int64Dtype()
    return pd.CategoricalDtype(column.categories, ordered=column.type == "ordinal")


def typed_series(values, column, index=None):
    """A float array of values (integer codes for cat/ordinal) as a typed Series."""
    values = np.asarray(values, dtype=np.float64)
    if column.type in ("real", "pos"):
        return pd.Series(values, index=index, name=column.name)
    if column.type == "count":
        return pd.Series(
            pd.array(
                np.where(np.isnan(values), np.nan, np.round(values)), dtype="Int64"
            ),
            index=index,
            name=column.name,
        )
    codes = pd.array(values, dtype="Float64").astype("Int64")
    return pd.Series(
        pd.Categorical(codes, dtype=dtype_of(column)), index=index, name=column.name
    )


def load_table(name, n_rows=None):
    """The :class:`MixedTable` of one of ``TABLES``.

    ``n_rows`` keeps that many rows (and the mask cells inside them), drawn
    at random with seed 0 and kept in their order: the files are not
    shuffled (Wine lists its white wines first).
    """
    folder = DATA / name
    raw = pd.read_csv(folder / "data.csv", header=None).to_numpy(dtype=np.float64)
    spec = read_types(folder / "data_types.csv")
    if len(spec) != raw.shape[1]:
        raise ValueError(f"{name}: {len(spec)} types for {raw.shape[1]} columns")
    true_file = folder / "MissingTrue.csv"
    true_missing = (
        read_cells(true_file, raw.shape)
        if true_file.exists()
        else np.zeros(raw.shape, bool)
    )
    if not np.array_equal(np.isnan(raw), true_missing):
        raise ValueError(f"{name}: NaN cells of data.csv differ from MissingTrue.csv")
    masks = [read_cells(folder / f"Missing20_{k}.csv", raw.shape) for k in (1, 2, 3)]

    columns = []
    for j, row in spec.iterrows():
        kind = str(row["type"]).strip()
        nclass = None if pd.isna(row["nclass"]) else int(row["nclass"])
        column = Column(COLUMNS[name][j], kind, nclass)
        observed = raw[~np.isnan(raw[:, j]), j]
        if kind == "cat":
            column.categories = [int(v) for v in np.unique(observed)]
        elif kind == "ordinal":
            column.categories = list(
                range(int(observed.min()), int(observed.max()) + 1)
            )
            if column.n_levels != nclass:
                raise ValueError(
                    f"{name}.{column.name}: {column.n_levels} levels, {nclass} declared"
                )
        elif kind not in NUMERIC:
            raise ValueError(f"{name}: unknown type {kind!r}")
        columns.append(column)

    # Categories and levels come from the whole table, even for a subset.
    if n_rows is not None and n_rows < len(raw):
        keep = np.sort(np.random.default_rng(0).choice(len(raw), n_rows, replace=False))
        raw, true_missing = raw[keep], true_missing[keep]
        masks = [m[keep] for m in masks]
    series = [typed_series(raw[:, j], column) for j, column in enumerate(columns)]
    frame = pd.concat(series, axis=1)
    ranges = np.array(
        [
            np.nanmax(raw[:, j]) - np.nanmin(raw[:, j]) if c.type in NUMERIC else np.nan
            for j, c in enumerate(columns)
        ]
    )
    return MixedTable(name, frame, columns, true_missing, masks, ranges)


def to_codes(frame, columns):
    """A float matrix: category index (cat, ordinal) or value, NaN where missing."""
    out = np.empty(frame.shape, dtype=np.float64)
    for j, column in enumerate(columns):
        series = frame.iloc[:, j]
        if column.type in ("cat", "ordinal"):
            codes = series.cat.codes.to_numpy()
            out[:, j] = np.where(codes < 0, np.nan, codes)
        else:
            out[:, j] = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def from_codes(codes, columns, index=None):
    """A typed frame from a matrix as :func:`to_codes` makes (rounded, clipped)."""
    series = []
    for j, column in enumerate(columns):
        values = codes[:, j]
        if column.type in ("cat", "ordinal"):
            values = np.clip(np.round(values), 0, column.n_levels - 1)
            values = np.where(np.isnan(codes[:, j]), np.nan, values)
            cats = np.asarray(column.categories, dtype=np.float64)
            values = np.where(
                np.isnan(values), np.nan, cats[np.nan_to_num(values).astype(int)]
            )
        series.append(typed_series(values, column, index=index))
    return pd.concat(series, axis=1)


def coerce(frame, columns):
    """A frame from any source (a method's output) cast to the typed schema.

    Unknown categories become missing (and are then scored as errors).
    """
    series = []
    for column in columns:
        values = frame[column.name]
        if column.type in ("cat", "ordinal"):
            values = (
                pd.Series(values)
                .astype(object)
                .map(lambda v: np.nan if pd.isna(v) else float(v))
            )
            values = values.where(values.isin([float(c) for c in column.categories]))
        series.append(typed_series(pd.to_numeric(values), column, index=frame.index))
    return pd.concat(series, axis=1)


def hide(frame, mask):
    """A copy of the typed frame with the cells of ``mask`` missing."""
    out = frame.copy()
    for j in range(frame.shape[1]):
        rows = mask[:, j]
        if rows.any():
            out.iloc[rows, j] = (
                np.nan if not isinstance(out.dtypes.iloc[j], pd.Int64Dtype) else pd.NA
            )
    return out


def column_errors(table, imputed, scored):
    """HI-VAE's error of each column on the cells of ``scored`` (NaN if none).

    ``imputed`` must have no missing cell where ``scored`` is True.
    """
    truth = to_codes(table.frame, table.columns)
    guess = to_codes(imputed, table.columns)
    errors = np.full(len(table.columns), np.nan)
    for j, column in enumerate(table.columns):
        rows = scored[:, j]
        if not rows.any():
            continue
        t, g = truth[rows, j], guess[rows, j]
        if column.type == "cat":
            errors[j] = np.mean(t != g)
        elif column.type == "ordinal":
            errors[j] = np.mean(np.abs(g - t)) / column.n_levels
        else:
            errors[j] = np.sqrt(np.mean((g - t) ** 2)) / table.ranges[j]
    return errors


def group_errors(table, errors):
    """The mean column error of each type group present (cat, ordinal, numeric)."""
    out = {}
    types = np.array(table.types)
    for group, kinds in GROUPS.items():
        chosen = np.isin(types, kinds) & ~np.isnan(errors)
        if chosen.any():
            out[group] = float(errors[chosen].mean())
    out["all"] = float(np.nanmean(errors))
    return out
