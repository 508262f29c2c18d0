"""Conditional generation on the mixed tables: ``sample(given=...)`` against the data.

For Adult and defaultCredit (10,000 training rows, a fixed random subset,
and the other rows held out), ``VAETransformer()`` is fitted at its
defaults. For each level ``l`` of a conditioning column (Adult: sex and
relationship; defaultCredit: SEX, EDUCATION's three largest levels and
default), as many rows as the held-out rows with that level are drawn with
``given={column: l}``, and each other column's distribution among them is
compared with the held-out rows that have the level:

* categorical and ordinal columns: total variation distance (half the L1
  distance between the level frequencies);
* numeric and count columns: the two-sample Kolmogorov-Smirnov statistic.

References from the same run: the unconditional ``sample`` (what a
generator that ignores the condition gives: the distance to beat); all the
held-out rows, whatever their level (what ignoring the condition costs in
the data itself: the most that conditioning can gain); the unconditional
``sample`` against all the held-out rows (the model's own error on the
columns, which conditioning does not remove); and the *training* rows with
the level (two samples of the real conditional distribution: the floor).
Mean distance over the other columns and the levels; seconds of ``fit``
and of the draws.

    python benchmarks/bench_conditional.py            # both tables, seed 0
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE))  # the sibling helper modules, not skvae

import _mixed_data as md  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import ks_2samp  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skvae import VAETransformer  # noqa: E402

CONDITIONS = {
    "Adult": {"sex": None, "relationship": None},
    "defaultCredit": {"SEX": None, "EDUCATION": 3, "default": None},
}
N_TRAIN = 10_000


def distance(a, b):
    """TVD between the levels of two category Series, KS between numbers."""
    if isinstance(a.dtype, pd.CategoricalDtype):
        p = a.value_counts(normalize=True)
        q = b.value_counts(normalize=True).reindex(p.index, fill_value=0.0)
        return 0.5 * float(np.abs(p - q).sum())
    return float(ks_2samp(a.dropna().astype(float), b.dropna().astype(float)).statistic)


def mean_distance(rows, reference, skip):
    return np.mean([distance(rows[c], reference[c]) for c in rows.columns if c != skip])


def run_table(name, seed):
    frame = md.load_table(name).frame
    order = np.random.RandomState(seed).permutation(len(frame))
    train, test = frame.iloc[order[:N_TRAIN]], frame.iloc[order[N_TRAIN:]]
    vae = VAETransformer(random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        vae.fit(train)
    fit_seconds = time.perf_counter() - start
    records = []
    for column, top in CONDITIONS[name].items():
        levels = test[column].value_counts().index[: top or None]
        for level in levels:
            held = test[test[column] == level]
            start = time.perf_counter()
            given = vae.sample(len(held), random_state=seed, given={column: level})
            draw_seconds = time.perf_counter() - start
            plain = vae.sample(len(held), random_state=seed)
            real = train[train[column] == level]
            records.append({
                "table": name, "column": column, "level": level, "rows": len(held),
                "given": mean_distance(given, held, column),
                "unconditional": mean_distance(plain, held, column),
                "ignored": mean_distance(test, held, column),
                "model": mean_distance(plain, test, column),
                "real": mean_distance(real, held, column),
                "draw_seconds": draw_seconds,
            })
    return fit_seconds, records


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(CONDITIONS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print("| table | condition | levels | rows drawn | fit s | draw s | "
          "given: mean distance | unconditional | all held-out rows | "
          "unconditional vs all held-out | real rows (floor) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.tables.split(","):
        fit_seconds, records = run_table(name, args.seed)
        table = pd.DataFrame(records)
        for column, group in table.groupby("column", sort=False):
            print(f"| {name} | {column} | {len(group)} | {group['rows'].sum()} | "
                  f"{fit_seconds:.1f} | {group['draw_seconds'].sum():.1f} | "
                  f"**{group['given'].mean():.3f}** | {group['unconditional'].mean():.3f} | "
                  f"{group['ignored'].mean():.3f} | {group['model'].mean():.3f} | "
                  f"{group['real'].mean():.3f} |")


if __name__ == "__main__":
    main()
