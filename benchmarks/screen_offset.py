"""Screen of the offset ``m`` of the positive type's ``log1p(x / m)``.

What it measures
----------------
A positive column is modelled as a Gaussian on ``log1p(x / m)``, ``m`` the
column's training mean. Below ``m`` the code is nearly linear in ``x``, so
a right-skewed column whose bulk lies below its mean keeps a skewed code,
whose Gaussian draws below the training minimum (``sample`` sets them at
it). The rules screened set ``m`` to the training mean (``mean``, the
current rule), or to the 1st or 10th percentile of the positive training
values (``q01``, ``q10``), where the code is a logarithm of the bulk.

* Without ``--script``: ``VAETransformer(column_types={"v": "positive"})``
  on a positive column ``v`` beside a standard normal one (2,000 training
  rows, 1,000 held out, seed 0), for six shapes. It prints the share of
  5,000 draws at the training minimum and maximum, the Kolmogorov-Smirnov
  distance of the draws to the held-out values, and the held-out
  log-likelihood (``score``, nats a row).
* With ``--mixed Adult,defaultCredit``: ``bench_mixed.py``'s skvae
  generator (its declared types) on 10,000 rows of each table, split 80/20
  as there; for each positive column, the KS complement of as many drawn
  rows as training rows against the training rows (SDMetrics' column
  shape for numbers) and the share of draws at the training minimum;
  the held-out log-likelihood and the fit seconds.
* With ``--script path [args]``: runs another benchmark script (its own
  arguments after it) with the rule set, in this process.

How to run
----------
From the repository root::

    python benchmarks/screen_offset.py --rule q01
    python benchmarks/screen_offset.py --rule q01 --mixed Adult,defaultCredit
    python benchmarks/screen_offset.py --rule q01 --script benchmarks/bench_absurd.py
"""

import argparse
import runpy
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

import skvae._column_types as column_types
import skvae._columns as columns
from skvae import VAETransformer

QUANTILES = {"q01": 0.01, "q10": 0.1}
MAKE_COLUMN = column_types.make_column


def use_rule(rule):
    """Make the tables built from now on set a positive column's offset by ``rule``."""

    def make_column(values, name, declared, default, frame):
        column = MAKE_COLUMN(values, name, declared, default, frame)
        if column.type == "positive" and rule in QUANTILES:
            numbers = column_types.as_numbers(values, name)
            positive = numbers[np.isfinite(numbers) & (numbers > 0)]
            if positive.size:
                column.offset = float(np.quantile(positive, QUANTILES[rule]))
        return column

    columns.make_column = make_column


def shapes(rule):
    rng = np.random.RandomState(0)
    draws = {
        "lognormal, sigma 0.5": lambda n: rng.lognormal(0, 0.5, n),
        "lognormal, sigma 1.5": lambda n: rng.lognormal(0, 1.5, n),
        "lognormal, sigma 2.5": lambda n: rng.lognormal(0, 2.5, n),
        "exponential": lambda n: rng.exponential(1, n),
        "gamma, shape 0.5": lambda n: rng.gamma(0.5, 1, n),
        "Pareto, 2, from 1": lambda n: rng.pareto(2, n) + 1,
    }
    print("| shape | rule | at the minimum | at the maximum | KS | held-out log-lik |")
    print("|---|---|---|---|---|---|")
    for name, draw in draws.items():
        values, other = draw(3000), rng.normal(size=3000)
        train = pd.DataFrame({"v": values[:2000], "z": other[:2000]})
        test = pd.DataFrame({"v": values[2000:], "z": other[2000:]})
        model = VAETransformer(column_types={"v": "positive"}, random_state=0).fit(train)
        drawn = model.sample(5000, random_state=0)["v"].to_numpy()
        print(f"| {name} | {rule} | {np.mean(drawn == train.v.min()):.3f} | "
              f"{np.mean(drawn == train.v.max()):.3f} | "
              f"{ks_2samp(drawn, values[2000:]).statistic:.3f} | {model.score(test):.3f} |")


def mixed(rule, tables):
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_mixed

    print("| table | rule | fit s | held-out log-lik | column | KS complement | at the minimum |")
    print("|---|---|---|---|---|---|---|")
    for name in tables:
        train, test, spec = bench_mixed.complete_split(name, n_rows=10000)
        types = bench_mixed._declared(spec, train)
        model = VAETransformer(column_types=types, random_state=0)
        start = time.perf_counter()
        model.fit(train)
        seconds = time.perf_counter() - start
        drawn = model.sample(len(train), random_state=0)
        for column in [n for n, kind in types.items() if kind == "positive"]:
            ks = ks_2samp(drawn[column].astype(float), train[column].astype(float)).statistic
            at_min = np.mean(drawn[column].astype(float) == train[column].min())
            print(f"| {name} | {rule} | {seconds:.1f} | {model.score(test):.3f} | {column} | "
                  f"{1 - ks:.3f} | {at_min:.3f} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rule", choices=["mean", *QUANTILES], default="mean")
    p.add_argument("--mixed", default=None, help="comma-separated mixed tables")
    p.add_argument("--script", nargs=argparse.REMAINDER,
                   help="a benchmark script and its arguments, run with the rule")
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    use_rule(args.rule)
    if args.mixed:
        mixed(args.rule, args.mixed.split(","))
        return
    if not args.script:
        shapes(args.rule)
        return
    script = Path(args.script[0]).resolve()
    sys.argv = [str(script), *args.script[1:]]
    sys.path.insert(0, str(script.parent))
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
