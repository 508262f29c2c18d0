"""Absurd values on the mixed tables: flagged by the detector, and named.

For Adult and defaultCredit (3,000 rows each, a fixed random subset), the
default ``AutoencoderOutlierDetector`` is fitted once; then, for several
typical rows and every numeric column, the column's value is set to its
maximum plus 10 ranges, or its minimum minus 10 ranges; in every category
column, to a label unseen in fit (which the models give probability 0:
``score_samples`` is ``-inf``, while ``transform`` refuses it by name). A
case passes when the row's conformal p-value is below 0.01 and
``feature_contributions`` names that column first.

    python benchmarks/bench_absurd.py                 # both tables, 5 rows each
    python benchmarks/bench_absurd.py --rows 20
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
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skvae import AutoencoderOutlierDetector, VAETransformer  # noqa: E402
from skvae._type_rules import heavy_tailed_types  # noqa: E402

TABLES = ("Adult", "defaultCredit")
LEVEL = 0.01
SPANS = 10
UNSEEN = "(a label unseen in fit)"


def cases(frame, n_rows):
    """``(row position, column, value)`` of every absurd entry tried."""
    for position in np.linspace(0, len(frame) - 1, n_rows).astype(int):
        for column in frame.columns:
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                yield position, column, UNSEEN
                continue
            low, high = float(values.min()), float(values.max())
            for value in (high + SPANS * (high - low), low - SPANS * (high - low)):
                yield position, column, value


def run(name, n_rows, seed, signed_log=False):
    frame = md.load_table(name).frame.sample(3000, random_state=seed)
    frame = frame.reset_index(drop=True)
    start = time.perf_counter()
    detector = AutoencoderOutlierDetector(random_state=seed)
    if signed_log:  # the types the detector gives, and the negative-holding reals signed-log
        types = heavy_tailed_types(frame)
        types.update({c: "signed-log" for c in frame.columns
                      if frame[c].dtype.kind == "f" and (frame[c] < 0).any()})
        detector.set_params(estimator=VAETransformer(column_types=types))
    detector.fit(frame)
    fit = time.perf_counter() - start
    results = []
    for position, column, value in cases(frame, n_rows):
        row = frame.iloc[[position]].copy()
        dtype = frame[column].dtype
        if value == UNSEEN:
            categories = [*dtype.categories.astype(object), UNSEEN]
            row[column] = pd.Categorical([UNSEEN], categories, ordered=dtype.ordered)
        elif dtype.kind in "iu":
            row[column] = pd.array([round(value)], dtype=dtype)
        else:
            row[column] = value
        p = detector.score_pvalues(row)[0]
        named = detector.feature_contributions(row).iloc[0].idxmax()
        results.append((position, column, value, p, named))
    return fit, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5, help="typical rows per table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--signed-log", action="store_true",
                        help="declare the float columns that hold negative values "
                             "signed-log (defaultCredit's bill amounts)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print("| table | values | fit s | cases | p < 0.01 | named first | largest p |")
    print("|---|---|---|---|---|---|---|")
    misses = []
    for name in TABLES:
        fit, results = run(name, args.rows, args.seed, args.signed_log)
        for kind in ("numbers", "labels"):
            part = [r for r in results if (r[2] == UNSEEN) == (kind == "labels")]
            flagged = sum(p < LEVEL for *_, p, _ in part)
            named = sum(column == top for _, column, _, _, top in part)
            worst = max(p for *_, p, _ in part)
            print(f"| {name} | {kind} | {fit:.1f} | {len(part)} | {flagged} | {named} "
                  f"| {worst:.4f} |")
        misses += [(name, *r) for r in results if r[3] >= LEVEL or r[1] != r[4]]
    for name, position, column, value, p, top in misses:
        print(f"miss: {name} row {position} {column} = {value}: p = {p:.4f}, named {top}")


if __name__ == "__main__":
    main()
