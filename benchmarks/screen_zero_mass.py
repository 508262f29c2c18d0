"""Screen: would a point mass at 0 give positive columns their shapes?

A positive column whose training values are 0 in at least 1% of the rows is
given to ``VAETransformer`` (bench_mixed's declared types, defaults) as two
columns: a binary indicator of ``x > 0`` and the value with its zeros
missing; a draw is the value where the indicator is 1, else 0. Against the
model of the column as it is, on bench_mixed's generation split (seed 0):
the per-column KS complement of as many drawn rows as training rows
(SDMetrics' ``KSComplement``: one minus the two-sample Kolmogorov-Smirnov
statistic), the share of zeros, and the mean similarity of the numeric
columns' correlations (``1 - |r_real - r_drawn| / 2``). Third, the point
mass as built: the declared types with ``"spiked"`` or ``"zero-inflated"``
where skvae's rule finds a point mass (bench_mixed's ``_declared(columns,
train)``), the column as it is.

How to run, from the repository root (about two minutes a table)::

    python benchmarks/screen_zero_mass.py Adult
    python benchmarks/screen_zero_mass.py defaultCredit
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import ks_2samp

import skvae

sys.path.insert(1, str(Path(__file__).resolve().parent))  # the sibling helpers
import _mixed_data as md  # noqa: E402
import bench_mixed as bm  # noqa: E402

ZERO_SHARE = 0.01


def ks_complement(real, drawn):
    return 1.0 - ks_2samp(real.astype(float), drawn.astype(float)).statistic


def correlation_similarity(real, drawn):
    a, b = real.astype(float).corr().to_numpy(), drawn.astype(float).corr().to_numpy()
    upper = np.triu_indices(a.shape[0], 1)
    return float(np.mean(1 - np.abs(a[upper] - b[upper]) / 2))


def fit_and_draw(train, types, seed):
    start = time.perf_counter()
    model = skvae.VAETransformer(column_types=types, random_state=seed).fit(train)
    seconds = time.perf_counter() - start
    return model.sample(len(train), random_state=seed), seconds


def main(name, seed=0):
    warnings.simplefilter("ignore")
    train, _, columns = bm.complete_split(name)
    declared = bm._declared(columns)
    numeric = [c.name for c in columns if c.type in ("real", "pos", "count")]
    zeros = [c.name for c in columns
             if c.type == "pos" and (train[c.name] == 0).mean() >= ZERO_SHARE]
    print(f"{name}: {train.shape[0]} training rows; positive columns with zeros: {zeros}")

    drawn, one_s = fit_and_draw(train, declared, seed)
    one = md.coerce(drawn, columns)

    split, types = train.copy(), dict(declared)
    for c in zeros:
        split[c + "__nz"] = train[c] > 0
        split[c] = train[c].where(train[c] > 0)
        types[c + "__nz"] = "binary"
    drawn, split_s = fit_and_draw(split, types, seed)
    for c in zeros:
        drawn[c] = drawn[c].where(drawn[c + "__nz"].astype(bool), 0).astype(drawn[c].dtype)
    two = md.coerce(drawn[train.columns], columns)

    built_types = bm._declared(columns, train)
    drawn, built_s = fit_and_draw(train, built_types, seed)
    built = md.coerce(drawn, columns)

    print(f"point masses built: {[c for c, t in built_types.items() if t != declared[c]]}")
    print(f"fit s: one column {one_s:.1f}, indicator and value {split_s:.1f}, "
          f"built {built_s:.1f}")
    print("| column | zeros, real | zeros, one column | KS compl. | zeros, split | KS compl. "
          "| zeros, built | KS compl. |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    scores = {"one column": [], "split": [], "built": []}
    for c in numeric:
        cells = [f"{(train[c] == 0).mean():.3f}"]
        for key, rows in zip(scores, (one, two, built)):
            scores[key].append(ks_complement(train[c], rows[c]))
            cells += [f"{(rows[c] == 0).mean():.3f}", f"{scores[key][-1]:.3f}"]
        print(f"| {c} | " + " | ".join(cells) + " |")
    print("mean KS complement: " + ", ".join(
        f"{key} {np.mean(v):.3f}" for key, v in scores.items()))
    print("correlation similarity: " + ", ".join(
        f"{key} {correlation_similarity(train[numeric], rows[numeric]):.3f}"
        for key, rows in zip(scores, (one, two, built))))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
