"""A user's first fit: the time of a fit in a fresh Python process.

What it measures
----------------
A new user imports a library and fits it on a small table; what they wait
for is the import and the first fit, which pays once per process for what
a library loads lazily (for torch: ``torch._dynamo``, imported by the first
``torch.optim`` optimiser; ``sympy``, by the first materialised ``meta``
tensor). For each contender, a fresh process (this script with
``--worker``) times

* ``import``: importing the contender's module (skvae, or the scikit-learn
  module of the baseline; both import NumPy, SciPy and scikit-learn first,
  and those imports are not counted);
* ``first fit``: its first fit at its defaults on the table;
* ``later fits``: the median of ``--fits`` more fits in the same process,
  as in a loop or a grid search.

The table (``--table``, default iris: 150 rows, 4 columns) is standardised;
the imputers get it with 20% of the cells removed completely at random
(seed 0) and run ``fit_transform``. Contenders: the four skvae estimators
at their defaults, ``MLPRegressor()`` fitted X to X, ``IsolationForest()``
and missForest-like (``IterativeImputer(ExtraTreesRegressor(n_estimators=30),
max_iter=5)``). Every cell is the median of ``--rounds`` processes, run in
interleaved rounds (every contender once, then again).

How to run
----------
From the repository root::

    python benchmarks/bench_first_fit.py
    PYTHONPATH=path/to/other/checkout python benchmarks/bench_first_fit.py   # another version

Prints a markdown table and writes the raw timings to ``--output``. About a
minute on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CONTENDERS = {
    "VAETransformer()": ("skvae", "from skvae import VAETransformer as E", "E()", "fit"),
    "AutoencoderTransformer()": (
        "skvae", "from skvae import AutoencoderTransformer as E", "E()", "fit"),
    "AutoencoderImputer()": (
        "skvae", "from skvae import AutoencoderImputer as E", "E()", "impute"),
    "AutoencoderOutlierDetector()": (
        "skvae", "from skvae import AutoencoderOutlierDetector as E", "E()", "fit"),
    "MLPRegressor()": (
        "sklearn.neural_network", "from sklearn.neural_network import MLPRegressor as E",
        "E()", "fit_xx"),
    "IsolationForest()": (
        "sklearn.ensemble", "from sklearn.ensemble import IsolationForest as E", "E()", "fit"),
    "missForest-like": (
        "sklearn.impute",
        "from sklearn.experimental import enable_iterative_imputer\n"
        "from sklearn.impute import IterativeImputer as I\n"
        "from sklearn.ensemble import ExtraTreesRegressor as T\n"
        "E = lambda: I(T(n_estimators=30), max_iter=5)",
        "E()", "impute"),
}


def table(name):
    """The standardised table, and a copy with 20% of its cells missing."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(getattr(datasets, f"load_{name}")().data)
    holed = X.copy()
    holed[np.random.RandomState(0).rand(*X.shape) < 0.2] = np.nan
    return X, holed


def worker(name, table_name, n_fits):
    """Runs in a fresh process: import, first fit, later fits; prints JSON."""
    import warnings

    import scipy  # noqa: F401  (imports that every contender shares)
    import sklearn.base  # noqa: F401

    X, holed = table(table_name)
    module, imports, make, kind = CONTENDERS[name]
    start = time.perf_counter()
    namespace = {}
    exec(imports, namespace)
    import_seconds = time.perf_counter() - start
    fit = {
        "fit": lambda e: e.fit(X),
        "fit_xx": lambda e: e.fit(X, X),
        "impute": lambda e: e.fit_transform(holed),
    }[kind]
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLP's ConvergenceWarning on small tables
        for _ in range(1 + n_fits):
            estimator = eval(make, namespace)
            start = time.perf_counter()
            fit(estimator)
            seconds.append(time.perf_counter() - start)
    print(json.dumps({"import": import_seconds, "first": seconds[0],
                      "later": float(np.median(seconds[1:]))}))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", default="iris",
                        help="a scikit-learn loader's name: iris, wine, breast_cancer, ...")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fits", type=int, default=5)
    parser.add_argument("--output", default=str(HERE / "results" / "first_fit.json"))
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker(args.worker, args.table, args.fits)
    import skvae

    print(f"skvae {skvae.__version__} from {Path(skvae.__file__).parent}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs; table {args.table}, "
          f"{args.rounds} rounds")
    runs = {name: [] for name in CONTENDERS}
    for _ in range(args.rounds):
        for name in CONTENDERS:
            result = subprocess.run(
                [sys.executable, __file__, "--worker", name, "--table", args.table,
                 "--fits", str(args.fits)],
                capture_output=True, text=True, check=True,
            )
            runs[name].append(json.loads(result.stdout.strip().splitlines()[-1]))
    print("\n| contender | import s | first fit s | later fits s | first / later |")
    print("|---|---:|---:|---:|---:|")
    medians = {}
    for name, results in runs.items():
        m = {key: float(np.median([r[key] for r in results]))
             for key in ("import", "first", "later")}
        medians[name] = m
        print(f"| {name} | {m['import']:.2f} | {m['first']:.3f} | {m['later']:.3f} "
              f"| {m['first'] / m['later']:.1f} |")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(
        {"args": vars(args), "skvae": str(Path(skvae.__file__).parent),
         "runs": runs, "medians": medians}, indent=1))
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
