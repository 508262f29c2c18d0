"""Screen: decoded values of log-coded columns bounded by the range of fit.

A positive, zero-inflated or signed-log column's Gaussian models a logarithm
of its values; its decoded value is the exponential of the decoder's
location. The models now bound that location by the range of the column's
training values (``Column.low``, ``Column.high``), so that a location the
decoder extrapolates a few standard deviations past the data does not
become a value orders of magnitude beyond it. This screen measures the
bound where it can act, on the same fitted models (the bound changes no
weight, only what :meth:`~skvae.VAETransformer.inverse_transform`,
``complete``, ``sample`` and :class:`~skvae.AutoencoderImputer` give):

* ``numeric``: ``AutoencoderImputer()`` given the table as a DataFrame of
  its unscaled values (bench_impute's ``skvae-frame``: its columns typed by
  the model's rules, e.g. spam's and concrete's mostly-zero ones
  zero-inflated), the MIWAE sets at 50% MCAR and spam at 20% (min-max
  RMSE), one fit per mask, filled with and without the bound;
* ``impute``: bench_mixed's ``skvae`` imputer (HI-VAE's types declared, point
  masses where skvae's rules find them) on its mixed tables, mask 1,
  filled with and without the bound (HI-VAE's error per type group);
* ``generate``: bench_mixed's ``skvae`` generator on Adult and
  defaultCredit, as many rows drawn as training rows with the same
  ``random_state`` with and without the bound: SDMetrics' shapes and pair
  trends against the training rows, and train-on-synthetic AUC (needs
  ``sdv``; see bench_mixed).

"cells" is how many output cells the bound changed.

How to run, from the repository root::

    python benchmarks/screen_bounds.py numeric --masks 3
    python benchmarks/screen_bounds.py impute --rows 10000
    python benchmarks/screen_bounds.py generate --rows 10000
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

import skvae

sys.path.insert(1, str(Path(__file__).resolve().parent))  # the sibling helpers
import _mixed_data as md  # noqa: E402
import bench_impute as bi  # noqa: E402
import bench_mixed as bm  # noqa: E402


def unbounded(model):
    """Clear the decoding bounds of ``model``'s table; returns what to restore."""
    kept = [(c, c.low, c.high) for c in model._table.columns]
    for column, _, _ in kept:
        column.low = column.high = None
    return kept


def restore(kept):
    for column, low, high in kept:
        column.low, column.high = low, high


def both(model, fn):
    """``fn()`` with the model's bounds, then without."""
    bounded = fn()
    kept = unbounded(model)
    try:
        return bounded, fn()
    finally:
        restore(kept)


def changed(a, b):
    return int((a.astype(str) != b.astype(str)).to_numpy().sum())


def numeric(masks):
    for dataset in (*bi.MIWAE_SETS, "spam"):
        raw = bi.load_dataset(dataset)
        scale = bi.min_max if dataset == "spam" else bi.standardise
        X = scale(raw)
        for seed in range(masks):
            mask = bi.mcar_mask(X.shape, 0.2 if dataset == "spam" else 0.5, seed)
            table = pd.DataFrame(np.where(mask, np.nan, raw))
            table.columns = [f"c{j}" for j in range(raw.shape[1])]
            imputer = skvae.AutoencoderImputer(random_state=seed).fit(table)
            out = both(imputer.estimator_, lambda: imputer.transform(table))
            errors = [
                bi.error(X, scale(f.to_numpy(dtype=np.float64), raw), mask,
                         "gain" if dataset == "spam" else "miwae")
                for f in out
            ]
            kinds = pd.Series(imputer.estimator_.column_types_).value_counts()
            kinds = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
            print(f"| {dataset} | {seed} | {kinds} | {errors[0]:.4f} | "
                  f"{errors[1]:.4f} | {changed(*out)} |", flush=True)


def impute(tables, rows):
    for name in tables:
        table = md.load_table(name, n_rows=rows)
        scored = table.masks[0] & ~table.true_missing
        hidden = md.hide(table.frame, table.masks[0] | table.true_missing)
        model = skvae.VAETransformer(
            n_components=8, train_importance_samples=10, n_importance_samples=1000,
            column_types=bm._declared(table.columns, hidden),
        )
        imputer = skvae.AutoencoderImputer(model, random_state=1).fit(hidden)
        out = both(imputer.estimator_, lambda: imputer.transform(hidden))
        groups = [
            md.group_errors(table, md.column_errors(
                table, md.coerce(f, table.columns), scored))
            for f in out
        ]
        cells = " ".join(f"{g} {groups[0][g]:.4f}/{groups[1][g]:.4f}" for g in groups[0])
        print(f"| {name} | {cells} | {changed(*out)} |", flush=True)


def generate(tables, rows):
    for name in tables:
        train, test, columns = bm.complete_split(name, n_rows=rows)
        metadata = bm.sdv_metadata(train)
        model = skvae.VAETransformer(
            column_types=bm._declared(columns, train), random_state=0
        ).fit(train)
        out = both(model, lambda: model.sample(len(train), random_state=0))
        cells = []
        for drawn in out:
            synthetic = md.coerce(drawn, columns)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scores = bm.quality(train, synthetic, metadata)
            auc = bm.tstr(synthetic, test, columns, bm.TARGETS[name])["roc_auc"]
            cells.append(f"{scores['column_shapes']:.4f}, "
                         f"{scores['column_pair_trends']:.4f}, {auc:.4f}")
        print(f"| {name} | {cells[0]} | {cells[1]} | {changed(*out)} |", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("numeric", "impute", "generate"))
    parser.add_argument("--masks", type=int, default=3, help="masks per numeric table")
    parser.add_argument("--rows", type=int, default=None, help="rows kept per mixed table")
    parser.add_argument("--tables", default=None, help="comma-separated mixed tables")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.part == "numeric":
        print("| table | mask | types | bounded | unbounded | cells |\n|---|---|---|---|---|---|")
        numeric(args.masks)
    elif args.part == "impute":
        tables = args.tables.split(",") if args.tables else md.TABLES
        print("| table | error bounded/unbounded by group | cells |\n|---|---|---|")
        impute(tables, args.rows)
    else:
        tables = args.tables.split(",") if args.tables else bm.GENERATION_TABLES
        print("| table | bounded: shapes, pairs, TSTR AUC | unbounded | cells |\n"
              "|---|---|---|---|")
        generate(tables, args.rows)


if __name__ == "__main__":
    main()
