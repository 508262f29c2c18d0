"""Imputing and generating mixed-type tables: skvae against missForest, ICE and TVAE.

What it measures
----------------
Data: the four tables of HI-VAE (Nazabal et al., "Handling incomplete
heterogeneous data using VAEs", Pattern Recognition 2020) from
``../shared/data/mixed/``: Adult (32,561 x 12), defaultCredit (30,000 x 24),
Wine (6,497 x 13) and Breast (699 x 10), with real, positive, count,
categorical and ordinal columns. ``_mixed_data.py`` turns each into a pandas
DataFrame whose dtypes carry the types (``float64`` for real and pos,
nullable ``Int64`` for count, ``category`` for cat, ordered ``category`` for
ordinal; its docstring has the rules) and reads the masks.

**Imputation** (HI-VAE's protocol). For each table and each of its three 20%
MCAR masks ``Missing20_{1,2,3}.csv``: the mask's cells, and the cells missing
in the source (``MissingTrue.csv``: Adult's workclass and occupation on
1,843 rows, 16 cells of Breast's bare nuclei), are hidden; every method
completes the frame; only the mask's cells that are not truly missing are
scored. Error per column as HI-VAE defines it: categorical, the share
misclassified; ordinal, the mean absolute difference in levels divided by
the number of levels; numeric (real, pos, count), the RMSE divided by ``max
- min`` of the column on the full data. Two differences from HI-VAE's
code: it also scores the truly missing cells (against the placeholder it
fills them with, the column's first category), and it numbers ordinal
levels by the codes that occur (so a level that never occurs, such as 1 in
defaultCredit's PAY_5 and PAY_6, shrinks the distances across it); here
levels are the codes themselves. The table gives, per data table and
method, the mean column error of each type group (categorical, ordinal,
numeric) and of all columns, and the seconds of the whole call (fit and
impute, encoding included), each the mean over the masks (standard
deviations and per-column errors in the JSON). Method ``m`` on mask ``k``
gets ``seed = k``. Every method first runs once, untimed, on a small frame,
so that one-off costs (imports, the first use of torch) are not timed.

Imputers, each ``impute(frame_with_missing, columns, seed) -> frame``:

* ``mode-mean``: the mode for cat and ordinal (the smallest code on ties),
  the mean for real and pos, the rounded mean for count;
* ``missforest``: missForest (Stekhoven & Buhlmann 2012) for mixed types.
  Start from ``mode-mean``; then, column by column in order of increasing
  missingness, fit ``ExtraTreesClassifier`` (cat, ordinal) or
  ``ExtraTreesRegressor`` (real, pos, count) on the rows where the column is
  observed and predict it where it is missing. Predictors are the other
  columns as codes (category index for cat and ordinal, the value
  otherwise; no one-hot, trees split on the codes). 30 trees per forest
  with ``max_features="sqrt"`` (missForest's default ``mtry``), ``n_jobs``
  set by ``--threads``.
  At most 5 passes; as in missForest it stops as soon as the change between
  two passes (numeric: sum of squared changes over sum of squares; cat and
  ordinal: share of changed cells) has grown for every type present, and
  keeps the previous pass (in the runs so far it never stopped early).
  Other settings are ExtraTrees' defaults (fully grown trees). 30 trees
  rather than missForest's 100: on the 2-core machine this was written on,
  shared with other work, one forest fit on defaultCredit (24,000 rows)
  took about 1 s with 30 trees and 3.5 s with 100, i.e. 2.5 against about
  8 minutes per mask, while on mask 1 of Wine and Breast 100 trees changed
  the mean error by -1% and +5%. ``--forest-trees`` changes it. (Regression
  leaves of at least 5 rows, randomForest's default for regression, gave
  0.098 against 0.111 on Adult's numeric columns and 0.068 against 0.057
  on Wine's, on mask 1.)
* ``ice-onehot``: ``IterativeImputer()`` (BayesianRidge, 10 rounds) on a
  matrix with each categorical one-hot encoded (a missing category is NaN
  in all its columns) and every other column (ordinal levels and numeric
  values) standardised on its observed cells. Decoded by the argmax over
  each one-hot block; ordinal levels and counts rounded; everything clipped
  to the observed range of its column. One change to scikit-learn's
  imputer: a one-hot column is predicted without the other columns of its
  own block (``_OneHotIterativeImputer``). With them, each block column is
  an exact linear function of its block-mates on the observed rows, and
  all are missing together, so every round returns the mean-filled block
  and every missing category stays the mode (the categorical errors then
  equal ``mode-mean``'s exactly);
* ``skvae``: ``AutoencoderImputer`` with its default model
  (``VAETransformer(n_components=8, train_importance_samples=10,
  n_importance_samples=1000)``), told each column's
  HI-VAE type through ``column_types`` (as HI-VAE is told them), a real or
  pos column ``spiked`` or ``zero-inflated`` where skvae's rule for float
  columns finds a point mass in the frame it is given;
* ``skvae-inferred``: ``AutoencoderImputer(random_state=seed)`` as it is,
  the types inferred from the dtypes (the positive columns without a point
  mass are then ``real``).

**Generation** on Adult and defaultCredit (``--generation-tables``). A
table's rows with no missing cell are split 80/20, stratified on its
target (``TARGETS``: Adult's ``sex``, defaultCredit's ``default``), with
seed 0: on Adult 24,574 rows to fit the generators, 6,144 held out; on
defaultCredit 24,000 and 6,000. Each generator is fitted on the training
part and samples as many rows. Scores:

* SDMetrics' ``QualityReport`` (``sdmetrics.reports``) of the synthetic rows
  against the training part: overall score (the mean of the two
  properties), Column Shapes (KS complement for numeric columns, TV
  complement for categories) and Column Pair Trends. SDMetrics 0.32 averages
  the pair trends only over the pairs whose real correlation exceeds 0.5
  or whose real association (Cramer's V) exceeds 0.3, which on Adult is a
  handful of the 66 pairs; "pair trends (all)" is a second report with
  both thresholds at 0, i.e. the mean over all 66 pairs (most of which are
  near independent in the real data, so an ``independent`` sample scores
  well on it);
* train on synthetic, test on real (TSTR): ``HistGradientBoostingClassifier``
  (categorical features from the dtype, ordinal levels as numbers, seed 0)
  predicts the target from the other columns; accuracy and ROC AUC on the
  held-out rows. "real" trains on the training part itself (TRTR). Adult
  here has no income column, hence ``sex``;
* distance to the closest record (privacy), ``dcr_share``: the share of
  synthetic rows whose nearest row in a random subset of the training part
  (as many rows as held out) is nearer than their nearest held-out row
  (Euclidean; numbers min-max scaled on the training part, ordinal levels
  over their number, categories one-hot; ties count half). About 0.5 for a
  generator that copies no training row, 1 for one that copies them all.

Generators:

* ``real`` (reference): the held-out rows as the "synthetic" sample for the
  QualityReport (a second sample from the source: what a generator as good
  as the source would score, with the noise of 6,144 rows), and train on
  real (the training part) for the classifier;
* ``independent`` (reference): every column drawn independently from the
  training part's values (a bootstrap of each marginal), so the shapes are
  kept and all pair trends are lost;
* ``tvae`` and ``ctgan``: SDV's ``TVAESynthesizer(metadata)`` and
  ``CTGANSynthesizer(metadata)`` with their defaults (300 epochs, batch
  500), metadata detected from the typed training frame
  (``Metadata.detect_from_dataframes``: categorical for the category
  columns, numerical for the others), the category columns handed to
  ``fit`` as ``object`` (TVAE refuses the ``category`` dtype), torch's and
  NumPy's global seeds set to the seed; fit seconds and sample seconds are
  reported. Fitted on complete rows only, so that every generator and the
  scores see the same data without missing cells;
* ``skvae``: ``VAETransformer(column_types=..., random_state=seed)
  .fit(frame).sample(n)``, the HI-VAE types declared; ``skvae-inferred``
  the same with the types inferred; ``skvae-signed-log`` the declared
  types with the real columns that hold negative values declared
  ``"signed-log"`` (defaultCredit's bill amounts).

Every synthetic sample is cast back to the typed schema before scoring;
values outside the categories would become missing (counted in the JSON as
``cells_missing_or_unknown``).

Threads: ``--threads N`` (default: all cores) limits the BLAS and OpenMP
pools (threadpoolctl) and torch, and sets the forests' ``n_jobs``. On a
machine that other work shares, use ``--threads 1``: a 2-thread OpenBLAS SVD
inside ``BayesianRidge`` ran 15 times slower than 1 thread while other jobs
held the cores (``ice-onehot`` on Wine: 12 s against 0.8 s).

``--only skvae`` selects skvae in both parts; ``real``, ``independent``,
``tvae`` and ``ctgan`` are generators, the rest imputers.

Requirements: scikit-learn, pandas and threadpoolctl; the generation part
also needs ``sdv`` and ``sdmetrics``, installed with torch pinned so that
pip keeps the torch in place (``pip install -c <(echo torch==2.13.0) sdv
sdmetrics``; sdv 2.0 and sdmetrics 0.32 here). They need pandas < 3 (pip
replaces a pandas 3 with 2.3): keep them in an environment of their own if
skvae runs with pandas 3. The part is skipped without them.

How to run
----------
From the repository root. With ``--threads 1`` on 2 cores shared with
other work, the imputation baselines took 14 minutes (missforest 11 of
them, 2.5 minutes per mask on defaultCredit); skvae adds about 13 minutes
per mask of imputation (5.5 on each of Adult and defaultCredit). The
generation part on both tables took 67 minutes on 2 quiet cores (default
threads): CTGAN's fits 16 and 28 minutes, TVAE's 7 and 8, skvae's under 1
each (its two variants)::

    nice -n 10 python benchmarks/bench_mixed.py --threads 1   # everything
    python benchmarks/bench_mixed.py --quick        # 1 mask, 3,000 rows per table
    python benchmarks/bench_mixed.py --part impute --tables Breast,Wine
    python benchmarks/bench_mixed.py --part generate --only tvae,ctgan,skvae

Markdown tables are printed and all raw figures are written to ``--output``
(default ``benchmarks/results/mixed.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
import warnings
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Let a source checkout of skvae be imported without installing it.
sys.path.insert(1, str(HERE))  # the sibling helper modules, not skvae

import _mixed_data as md  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
)
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401
from sklearn.impute import IterativeImputer  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


class Unsupported(Exception):
    """A method that cannot run in this environment (skipped, not failed)."""


# ------------------------------------------------------------- imputers
def _observed_fill(codes, columns):
    """Mode (cat, ordinal), mean (real, pos) or rounded mean (count) per column."""
    fill = np.empty(len(columns))
    for j, column in enumerate(columns):
        observed = codes[~np.isnan(codes[:, j]), j]
        if column.type in ("cat", "ordinal"):
            fill[j] = np.argmax(
                np.bincount(observed.astype(int), minlength=column.n_levels)
            )
        elif column.type == "count":
            fill[j] = np.round(observed.mean())
        else:
            fill[j] = observed.mean()
    return fill


def impute_mode_mean(frame, columns, seed):
    codes = md.to_codes(frame, columns)
    filled = np.where(np.isnan(codes), _observed_fill(codes, columns), codes)
    return md.from_codes(filled, columns, index=frame.index)


FOREST_TREES = 30
FOREST_PASSES = 5
THREADS = os.cpu_count()  # --threads


def impute_missforest(frame, columns, seed):
    codes = md.to_codes(frame, columns)
    missing = np.isnan(codes)
    current = np.where(missing, _observed_fill(codes, columns), codes)
    categorical = np.array([c.type in ("cat", "ordinal") for c in columns])
    order = [
        j for j in np.argsort(missing.sum(axis=0), kind="stable") if missing[:, j].any()
    ]
    last_change, passes = None, 0
    for _ in range(FOREST_PASSES):
        new = current.copy()
        for j in order:
            rows = missing[:, j]
            X = np.delete(new, j, axis=1)
            forest = (ExtraTreesClassifier if categorical[j] else ExtraTreesRegressor)(
                n_estimators=FOREST_TREES,
                max_features="sqrt",
                n_jobs=THREADS,
                random_state=seed,
            )
            forest.fit(X[~rows], new[~rows, j])
            new[rows, j] = forest.predict(X[rows])
        change = {}
        num = missing & ~categorical
        if num.any():
            change["num"] = np.sum((new[num] - current[num]) ** 2) / np.sum(
                new[num] ** 2
            )
        cat = missing & categorical
        if cat.any():
            change["cat"] = np.mean(new[cat] != current[cat])
        if last_change is not None and all(change[k] > last_change[k] for k in change):
            break  # the change grew: keep the previous pass, as missForest does
        current, last_change, passes = new, change, passes + 1
    result = md.from_codes(current, columns, index=frame.index)
    result.attrs["passes_kept"] = passes
    return result


class _OneHotIterativeImputer(IterativeImputer):
    """IterativeImputer that predicts a one-hot column without its block-mates.

    ``block_of[i]`` names the source column of matrix column ``i``. Within a
    block, each one-hot column is an exact function of the others (1 minus
    their sum) on the observed rows, and all of them are missing together:
    left as predictors, they make every round return the initial
    (mean-filled) block, so every missing category stays the mode.
    """

    block_of = None

    def _get_neighbor_feat_idx(self, n_features, feat_idx, abs_corr_mat):
        idx = super()._get_neighbor_feat_idx(n_features, feat_idx, abs_corr_mat)
        return idx[self.block_of[idx] != self.block_of[feat_idx]]


def impute_ice_onehot(frame, columns, seed):
    codes = md.to_codes(frame, columns)
    missing = np.isnan(codes)
    blocks, parts, block_of = [], [], []
    for j, column in enumerate(columns):
        x = codes[:, j]
        if column.type == "cat":
            onehot = np.eye(column.n_levels)[np.nan_to_num(x).astype(int)]
            onehot[np.isnan(x)] = np.nan
            blocks.append((len(parts), column.n_levels, None, None))
            parts.extend(onehot.T)
            block_of += [j] * column.n_levels
        else:
            mean, std = np.nanmean(x), np.nanstd(x)
            std = std if std > 0 else 1.0
            blocks.append((len(parts), 1, mean, std))
            parts.append((x - mean) / std)
            block_of.append(j)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        imputer = _OneHotIterativeImputer(random_state=seed, keep_empty_features=True)
        imputer.block_of = np.array(block_of)
        Z = imputer.fit_transform(np.column_stack(parts))
    out = codes.copy()
    for j, (column, (start, width, mean, std)) in enumerate(zip(columns, blocks)):
        if column.type == "cat":
            value = np.argmax(Z[:, start : start + width], axis=1).astype(float)
        else:
            value = Z[:, start] * std + mean
            value = np.clip(value, np.nanmin(codes[:, j]), np.nanmax(codes[:, j]))
            if column.type in ("ordinal", "count"):
                value = np.round(value)
        out[:, j] = np.where(missing[:, j], value, codes[:, j])
    return md.from_codes(out, columns, index=frame.index)


def _probe_frame(n=120, seed=0):
    """A small typed frame with every dtype (no missing cells).

    Its categories are strings, so that treating them as numbers fails.
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    frame = pd.DataFrame(
        {
            "real": z + 0.3 * rng.standard_normal(n),
            "pos": np.exp(z + 0.3 * rng.standard_normal(n)),
            "count": pd.array(rng.poisson(np.exp(1 + 0.5 * z)), dtype="Int64"),
            "cat": pd.Categorical(np.where(z > 0, "a", np.where(z > -1, "b", "c"))),
            "ordinal": pd.Categorical(
                np.clip(np.round(z + 2), 0, 4).astype(int),
                categories=range(5),
                ordered=True,
            ),
        }
    )
    return frame


def _with_holes(frame, rate=0.15, seed=1):
    """A copy with about ``rate`` of the cells missing, none of the rows empty."""
    mask = np.random.default_rng(seed).random(frame.shape) < rate
    mask[mask.all(axis=1), 0] = False
    out = frame.copy()
    for j in range(frame.shape[1]):
        out.iloc[mask[:, j], j] = None
    return out




# HI-VAE's type names -> skvae's column types
SKVAE_TYPES = {"real": "real", "pos": "positive", "count": "count",
               "cat": "categorical", "ordinal": "ordinal"}


def _declared(columns, frame=None):
    """skvae's types for HI-VAE's; with ``frame``, a real or pos column gets a
    point mass (spiked, zero-inflated), and a count column a spike
    (spiked-count), where skvae's rules find one in its observed values."""
    from skvae._type_rules import has_count_spike, point_mass_type

    types = {c.name: SKVAE_TYPES[c.type] for c in columns}
    for c in columns if frame is not None else ():
        values = frame[c.name].to_numpy(dtype=np.float64, na_value=np.nan)
        values = values[~np.isnan(values)]
        if c.type in ("real", "pos"):
            types[c.name] = point_mass_type(values) or types[c.name]
        elif c.type == "count" and has_count_spike(values):
            types[c.name] = "spiked-count"
    return types


def impute_skvae(frame, columns, seed):
    """The imputer's default model, told the columns' types (as HI-VAE is)."""
    import skvae

    model = skvae.VAETransformer(
        n_components=8, train_importance_samples=10, n_importance_samples=1000,
        column_types=_declared(columns, frame),
    )
    return skvae.AutoencoderImputer(model, random_state=seed).fit_transform(frame)


def impute_skvae_inferred(frame, columns, seed):
    """``AutoencoderImputer()`` as it is, the types inferred from the dtypes."""
    import skvae

    return skvae.AutoencoderImputer(random_state=seed).fit_transform(frame)


IMPUTERS = {
    "mode-mean": impute_mode_mean,
    "missforest": impute_missforest,
    "ice-onehot": impute_ice_onehot,
    "skvae": impute_skvae,
    "skvae-inferred": impute_skvae_inferred,
}


# ----------------------------------------------------------- generators
# SDV's name of the one table of a metadata or a report
SDV_TABLE = "table"


# Each ``fit_<name>(train, columns, seed)`` returns ``sample(n) -> frame``.
def _sdv():
    try:
        from sdmetrics.reports import QualityReport
        from sdv.metadata import Metadata
        from sdv.single_table import CTGANSynthesizer, TVAESynthesizer
    except ImportError as exc:
        raise Unsupported(f"needs sdv and sdmetrics ({exc})") from None
    return Metadata, TVAESynthesizer, CTGANSynthesizer, QualityReport


def sdv_metadata(frame):
    Metadata = _sdv()[0]
    return Metadata.detect_from_dataframes({SDV_TABLE: frame})


def fit_independent(train, columns, seed):
    rng = np.random.default_rng(seed)

    def sample(n):
        picks = {
            name: train[name].to_numpy()[rng.integers(0, len(train), n)]
            for name in train
        }
        return md.coerce(pd.DataFrame(picks), columns)

    return sample


def _fit_sdv(synthesizer_class, train, columns, seed):
    """An SDV single-table synthesizer at its defaults, fitted on ``train``."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    synthesizer = synthesizer_class(sdv_metadata(train))
    # SDV refuses the category dtype: hand it the categories as objects.
    categorical = [c.name for c in columns if c.type in ("cat", "ordinal")]
    synthesizer.fit({SDV_TABLE: train.astype({name: object for name in categorical})})

    def sample(n):
        out = synthesizer.sample(num_rows=n)
        return out[SDV_TABLE] if isinstance(out, dict) else out

    return sample


def fit_tvae(train, columns, seed):
    return _fit_sdv(_sdv()[1], train, columns, seed)


def fit_ctgan(train, columns, seed):
    return _fit_sdv(_sdv()[2], train, columns, seed)


def fit_skvae(train, columns, seed):
    import skvae

    model = skvae.VAETransformer(column_types=_declared(columns, train), random_state=seed)
    return model.fit(train).sample


def fit_skvae_signed_log(train, columns, seed):
    """``fit_skvae`` with HI-VAE's real columns that hold negative values
    declared signed-log (defaultCredit's bill amounts; Adult has none)."""
    import skvae

    types = _declared(columns, train)
    for c in columns:
        if c.type == "real" and (train[c.name] < 0).any():
            types[c.name] = "signed-log"
    model = skvae.VAETransformer(column_types=types, random_state=seed)
    return model.fit(train).sample


def fit_skvae_inferred(train, columns, seed):
    import skvae

    return skvae.VAETransformer(random_state=seed).fit(train).sample


GENERATORS = {
    "independent": fit_independent,
    "tvae": fit_tvae,
    "ctgan": fit_ctgan,
    "skvae": fit_skvae,
    "skvae-signed-log": fit_skvae_signed_log,
    "skvae-inferred": fit_skvae_inferred,
}
REFERENCES = ("real", "independent")


# ------------------------------------------------------- imputation runs
def impute_timed(method, frame, columns, seed):
    start = time.perf_counter()
    result = IMPUTERS[method](frame, columns, seed)
    return result, time.perf_counter() - start


def warm_up(methods, skipped):
    """One untimed run of each imputer on a small frame; records the skipped ones."""
    frame = _probe_frame()
    columns = [
        md.Column("real", "real"),
        md.Column("pos", "pos"),
        md.Column("count", "count"),
        md.Column("cat", "cat", 3, ["a", "b", "c"]),
        md.Column("ordinal", "ordinal", 5, list(range(5))),
    ]
    # The baselines work on codes; give them integer categories.
    coded = frame.assign(cat=frame["cat"].cat.rename_categories([0, 1, 2]))
    columns[3].categories = [0, 1, 2]
    for method in methods:
        try:
            impute_timed(method, _with_holes(coded), columns, 0)
        except Unsupported as exc:
            skipped[method] = str(exc)
            print(f"  {method}: skipped: {exc}", file=sys.stderr)


def run_imputation(tables, methods, n_masks, n_rows, skipped):
    """One record per (table, mask, method)."""
    records = []
    for name in tables:
        table = md.load_table(name, n_rows=n_rows)
        for k in range(n_masks):
            mask = table.masks[k]
            scored = mask & ~table.true_missing
            hidden = md.hide(table.frame, mask | table.true_missing)
            for method in methods:
                if method in skipped:
                    continue
                record = dict(
                    table=name,
                    mask=k + 1,
                    method=method,
                    seed=k + 1,
                    n_scored=int(scored.sum()),
                )
                try:
                    result, seconds = impute_timed(
                        method, hidden.copy(), table.columns, k + 1
                    )
                    completed = md.coerce(result, table.columns)
                    left = int(completed.isna().to_numpy().sum())
                    if left:
                        raise ValueError(
                            f"{left} cells missing or outside the categories"
                        )
                    errors = md.column_errors(table, completed, scored)
                    record.update(
                        seconds=seconds,
                        **{k: v for k, v in result.attrs.items() if np.isscalar(v)},
                        groups=md.group_errors(table, errors),
                        columns=dict(zip(table.frame.columns, map(float, errors))),
                    )
                    print(
                        f"  {name:13s} mask {k + 1} {method:11s} "
                        + " ".join(f"{g} {v:.4f}" for g, v in record["groups"].items())
                        + f"  {seconds:7.1f}s",
                        file=sys.stderr,
                    )
                except Unsupported as exc:
                    skipped[method] = str(exc)
                    print(f"  {method}: skipped: {exc}", file=sys.stderr)
                    continue
                except Exception as exc:
                    record["error"] = f"{type(exc).__name__}: {exc}"
                    print(f"  {name} mask {k + 1} {method} failed:", file=sys.stderr)
                    traceback.print_exc()
                records.append(record)
    return records


def summarise_imputation(records):
    """Mean and std over masks of every group error and of the seconds."""
    rows = []
    for r in records:
        if "groups" in r:
            rows.append(
                dict(
                    table=r["table"],
                    method=r["method"],
                    seconds=r["seconds"],
                    **{f"err_{g}": v for g, v in r["groups"].items()},
                )
            )
    if not rows:
        return {}
    frame = pd.DataFrame(rows)
    summary = {}
    for (table, method), part in frame.groupby(["table", "method"], sort=False):
        numbers = part.drop(columns=["table", "method"])
        summary[f"{table}/{method}"] = dict(
            table=table,
            method=method,
            n_masks=len(part),
            mean={k: float(v) for k, v in numbers.mean().dropna().items()},
            std={k: float(v) for k, v in numbers.std(ddof=1).dropna().items()},
        )
    return summary


def imputation_markdown(summary, records, tables, methods, skipped):
    lines = [
        "| table | method | categorical | ordinal | numeric | all columns | seconds |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    failed = {(r["table"], r["method"]) for r in records if "error" in r}
    for table in tables:
        for method in methods:
            entry = summary.get(f"{table}/{method}")
            if entry is None:
                why = (
                    "failed"
                    if (table, method) in failed
                    else ("skipped" if method in skipped else "")
                )
                lines.append(f"| {table} | {method} | {why} |  |  |  |  |")
                continue
            mean = entry["mean"]
            cells = [
                f"{mean[f'err_{g}']:.4f}" if f"err_{g}" in mean else "-"
                for g in ("cat", "ordinal", "numeric", "all")
            ]
            lines.append(
                f"| {table} | {method} | "
                + " | ".join(cells)
                + f" | {mean['seconds']:.1f} |"
            )
    return "\n".join(lines)


# ------------------------------------------------------- generation runs
# The column each table's classifier predicts in train-on-synthetic scores
# (Adult here has no income column).
TARGETS = {"Adult": "sex", "defaultCredit": "default"}
GENERATION_TABLES = tuple(TARGETS)


def complete_split(name, n_rows=None, seed=0):
    """A table's complete rows, split 80/20 stratified on its target."""
    table = md.load_table(name, n_rows=n_rows)
    complete = table.frame[~table.true_missing.any(axis=1)].reset_index(drop=True)
    train, test = train_test_split(
        complete, test_size=0.2, stratify=complete[TARGETS[name]], random_state=seed
    )
    return train.reset_index(drop=True), test.reset_index(drop=True), table.columns


def _features(frame, columns, target):
    """Classifier input: categories for cat, level numbers for ordinal, floats."""
    out = {}
    for column in columns:
        if column.name == target:
            continue
        series = frame[column.name]
        if column.type == "ordinal":
            out[column.name] = series.cat.codes.astype(float)
        elif column.type == "cat":
            out[column.name] = series
        else:
            out[column.name] = series.astype(float)
    return pd.DataFrame(out)


def tstr(train, test, columns, target, seed=0):
    """Accuracy and ROC AUC on ``test`` of a classifier trained on ``train``."""
    model = HistGradientBoostingClassifier(
        categorical_features="from_dtype", random_state=seed
    )
    train = train[train[target].notna()]
    model.fit(_features(train, columns, target), train[target].cat.codes)
    X_test, y_test = _features(test, columns, target), test[target].cat.codes
    proba = model.predict_proba(X_test)
    positive = list(model.classes_).index(1) if 1 in model.classes_ else None
    auc = (
        roc_auc_score(y_test, proba[:, positive])
        if positive is not None
        else float("nan")
    )
    return dict(
        accuracy=float(
            accuracy_score(y_test, model.classes_[np.argmax(proba, axis=1)])
        ),
        roc_auc=float(auc),
    )


def _distance_coding(frame, columns, reference):
    """Rows as points: numbers scaled to [0, 1] by ``reference``'s range, ordinal
    levels over their number, categories one-hot."""
    parts = []
    for column in columns:
        series = frame[column.name]
        if column.type == "cat":
            levels = reference[column.name].cat.categories
            codes = pd.Categorical(series, categories=levels).codes
            parts.append((codes[:, None] == np.arange(len(levels))).astype(float))
        elif column.type == "ordinal":
            n_levels = len(reference[column.name].cat.categories)
            parts.append(series.cat.codes.to_numpy(float)[:, None] / max(n_levels - 1, 1))
        else:
            values = reference[column.name].to_numpy(float)
            low, high = np.nanmin(values), np.nanmax(values)
            scaled = (series.to_numpy(float) - low) / (high - low if high > low else 1.0)
            parts.append(scaled[:, None])
    return np.hstack(parts)


def dcr_share(train, holdout, synthetic, columns, seed=0):
    """Share of synthetic rows nearer a training row than a held-out one.

    Distance to the closest record (Euclidean, on :func:`_distance_coding`)
    in an equal-sized random subset of the training rows and in the
    held-out rows: a generator that copies no training row scores about
    0.5; one that memorised them, 1.
    """
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)
    subset = train.iloc[rng.choice(len(train), len(holdout), replace=False)]
    points = [_distance_coding(f, columns, train) for f in (subset, holdout, synthetic)]
    to_train, to_holdout = (
        NearestNeighbors(n_neighbors=1).fit(p).kneighbors(points[2])[0][:, 0]
        for p in points[:2]
    )
    ties = to_train == to_holdout
    return float(np.mean(to_train < to_holdout) + 0.5 * np.mean(ties))


def quality(real, synthetic, metadata_):
    """SDMetrics' QualityReport scores of ``synthetic`` against ``real``.

    A second report with both thresholds at 0 gives the pair trends over all
    pairs.
    """
    QualityReport = _sdv()[3]
    scores = {}
    for suffix, threshold in (("", None), ("_all", 0.0)):
        report = QualityReport()
        if threshold is not None:
            report.real_correlation_threshold = threshold
            report.real_association_threshold = threshold
        report.generate(
            {SDV_TABLE: real}, {SDV_TABLE: synthetic}, metadata_.to_dict(), verbose=False
        )
        properties = report.get_properties().set_index("Property")["Score"]
        scores[f"overall{suffix}"] = float(report.get_score())
        scores[f"column_pair_trends{suffix}"] = float(properties["Column Pair Trends"])
        if threshold is None:
            scores["column_shapes"] = float(properties["Column Shapes"])
            shapes = report.get_details("Column Shapes", table_name=SDV_TABLE)
            scores["column_shapes_by_column"] = {
                str(c): float(v) for c, v in zip(shapes["Column"], shapes["Score"])
            }
            pairs = report.get_details("Column Pair Trends", table_name=SDV_TABLE)
            if "Meets Threshold?" in pairs:
                met = pairs["Meets Threshold?"].astype("boolean").fillna(False)
                scores["n_pairs_scored"] = int(met.sum())
                scores["pairs_scored"] = {
                    f"{a} / {b}": float(v)
                    for a, b, v in zip(
                        pairs["Column 1"], pairs["Column 2"], pairs["Score"]
                    )
                    if v == v
                }
            scores["n_pairs"] = len(pairs)
    return scores


def run_generation(name, methods, n_rows, seed, skipped):
    """One record per generator (and the ``real`` reference) on one table."""
    target = TARGETS[name]
    train, test, columns = complete_split(name, n_rows=n_rows)
    print(
        f"  {name} complete rows: train {len(train)}, held out {len(test)}",
        file=sys.stderr,
    )
    try:
        metadata_ = sdv_metadata(train)
    except Unsupported as exc:
        skipped["generate"] = str(exc)
        print(f"  generation skipped: {exc}", file=sys.stderr)
        return dict(table=name, n_train=len(train), n_test=len(test), records=[])
    records = []
    trtr = tstr(train, test, columns, target, seed)
    majority = float(test[target].value_counts(normalize=True).max())
    for method in methods:
        record = dict(table=name, method=method, seed=seed)
        try:
            warnings.filterwarnings("ignore", module="sdv|sdmetrics|rdt|ctgan|copulas")
            if method == "real":
                synthetic, fit_s, sample_s = test, None, None
                scores = trtr
            else:
                start = time.perf_counter()
                sample = GENERATORS[method](train, columns, seed)
                fit_s = time.perf_counter() - start
                start = time.perf_counter()
                raw = sample(len(train))
                sample_s = time.perf_counter() - start
                synthetic = md.coerce(raw, columns)
                left = int(synthetic.isna().to_numpy().sum())
                record["cells_missing_or_unknown"] = left
                scores = tstr(synthetic, test, columns, target, seed)
                record["dcr_share"] = dcr_share(train, test, synthetic, columns, seed)
            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore"
                )  # pandas' FutureWarnings inside sdmetrics
                record.update(quality(train, synthetic, metadata_))
            record.update(
                tstr_accuracy=scores["accuracy"],
                tstr_roc_auc=scores["roc_auc"],
                fit_seconds=fit_s,
                sample_seconds=sample_s,
            )
            brief = {k: v for k, v in record.items() if not isinstance(v, dict)}
            print(f"  generate {name} {method:11s} {brief}", file=sys.stderr)
        except Unsupported as exc:
            skipped[f"generate/{method}"] = str(exc)
            print(f"  generate {method}: skipped: {exc}", file=sys.stderr)
            continue
        except Exception as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
            print(f"  generate {method} failed:", file=sys.stderr)
            traceback.print_exc()
        records.append(record)
    return dict(
        table=name,
        n_train=len(train),
        n_test=len(test),
        target=target,
        majority_rate=majority,
        records=records,
    )


def generation_markdown(result, methods, skipped):
    lines = [
        "| generator | overall | column shapes | pair trends | pair trends (all) "
        f"| TSTR accuracy ({result['target']}) | TSTR ROC AUC | DCR share | fit s "
        "| sample s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_method = {r["method"]: r for r in result.get("records", [])}

    def seconds(value):
        return "-" if value is None else f"{value:.1f}"

    for method in methods:
        r = by_method.get(method)
        if r is None or "error" in r:
            why = (
                "failed"
                if r
                else (
                    "skipped"
                    if {"generate", f"generate/{method}"} & set(skipped)
                    else ""
                )
            )
            lines.append(f"| {method} | {why} |" + "  |" * 8)
            continue
        dcr = f"{r['dcr_share']:.3f}" if "dcr_share" in r else "-"  # real: none
        lines.append(
            f"| {method} | {r['overall']:.3f} | {r['column_shapes']:.3f} "
            f"| {r['column_pair_trends']:.3f} | {r['column_pair_trends_all']:.3f} "
            f"| {r['tstr_accuracy']:.3f} | {r['tstr_roc_auc']:.3f} | {dcr} "
            f"| {seconds(r['fit_seconds'])} | {seconds(r['sample_seconds'])} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ main
def environment():
    versions = {}
    for name in (
        "skvae",
        "scikit-learn",
        "torch",
        "numpy",
        "pandas",
        "sdv",
        "sdmetrics",
    ):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return dict(
        python=platform.python_version(),
        machine=platform.machine(),
        cpus=os.cpu_count(),
        **versions,
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--part",
        choices=("impute", "generate", "all"),
        default="all",
        help="imputation, generation or both (default)",
    )
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated methods (imputers: %s; generators: %s; "
        "'real' is the held-out reference)"
        % (", ".join(IMPUTERS), ", ".join(GENERATORS)),
    )
    parser.add_argument(
        "--tables",
        default=",".join(md.TABLES),
        help="comma-separated tables for imputation",
    )
    parser.add_argument(
        "--generation-tables",
        default=",".join(GENERATION_TABLES),
        help="comma-separated tables for generation",
    )
    parser.add_argument(
        "--masks",
        type=int,
        default=3,
        choices=(1, 2, 3),
        help="how many of the three masks",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="keep this many rows of every table (a fixed random subset)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one mask and 3,000 rows per table (a smoke run)",
    )
    parser.add_argument(
        "--forest-trees",
        type=int,
        default=FOREST_TREES,
        help="trees per forest of missforest",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generators")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count(),
        help="threads for every method: BLAS and OpenMP pools (threadpoolctl), torch, "
        "and the forests' n_jobs (default: all cores)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results" / "mixed.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.masks = 1
        args.rows = args.rows or 3000
    return args


def main(argv=None):
    global FOREST_TREES, THREADS
    args = parse_args(argv)
    FOREST_TREES, THREADS = args.forest_trees, args.threads
    threadpool_limits(args.threads)
    torch.set_num_threads(args.threads)
    only = None if args.only is None else [m for m in args.only.split(",") if m]
    unknown = set(only or ()) - set(IMPUTERS) - set(GENERATORS) - {"real"}
    if unknown:
        raise SystemExit(f"unknown methods: {sorted(unknown)}")
    tables = [t for t in args.tables.split(",") if t]
    if set(tables) - set(md.TABLES):
        raise SystemExit(f"unknown tables: {sorted(set(tables) - set(md.TABLES))}")
    imputers = [m for m in IMPUTERS if only is None or m in only]
    generators = [m for m in ("real", *GENERATORS) if only is None or m in only]
    skipped, output = (
        {},
        dict(
            environment=environment(),
            args={
                k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
            },
        ),
    )
    if args.quick or args.rows:
        print(f"(rows per table: {args.rows}; figures not comparable to full runs)")

    if args.part in ("impute", "all") and imputers:
        start = time.perf_counter()
        warm_up(imputers, skipped)
        records = run_imputation(tables, imputers, args.masks, args.rows, skipped)
        summary = summarise_imputation(records)
        print(f"\n### Imputation, HI-VAE protocol: {args.masks} mask(s) of 20% MCAR\n")
        print("Mean column error per type group (mean over masks), seconds of")
        print("fit + impute:\n")
        print(imputation_markdown(summary, records, tables, imputers, skipped))
        output["imputation"] = dict(
            records=records, summary=summary, seconds=time.perf_counter() - start
        )

    generation_tables = [t for t in args.generation_tables.split(",") if t]
    unknown = set(generation_tables) - set(GENERATION_TABLES)
    if unknown:
        raise SystemExit(f"unknown generation tables: {sorted(unknown)}")
    if args.part in ("generate", "all") and generators:
        output["generation"] = []
        for name in generation_tables:
            start = time.perf_counter()
            result = run_generation(name, generators, args.rows, args.seed, skipped)
            print(
                f"\n### Generation, {name}: {result['n_train']} training rows, "
                f"{result['n_test']} held out\n"
            )
            print(generation_markdown(result, generators, skipped))
            if "majority_rate" in result:
                print(
                    f"\nMajority class rate of {result['target']} in the held-out "
                    f"rows: {result['majority_rate']:.3f}"
                )
            result["seconds"] = time.perf_counter() - start
            output["generation"].append(result)

    for method, why in skipped.items():
        print(f"\nskipped {method}: {why}")
    output["skipped"] = skipped
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=1, default=float))
    print(f"\nwrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
