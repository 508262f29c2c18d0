"""Screen of the imputer's fills completed from filled inputs.

What it measures
----------------
``VAETransformer.score_samples`` draws the importance samples of a row with
holes from its posterior once its missing inputs hold the model's
expectation of them, ten times over (``VAETransformer._filled``; "Rows with
missing entries" on the outlier detection page). This screen asks whether
the imputer's fills gain from the same: the MSE on the removed cells of
``AutoencoderImputer()`` (its default VAE) and of
``AutoencoderImputer(AutoencoderTransformer())``, as they are and with
``_complete_rows`` run on rows filled that way (the missing inputs set to the
decoder's expectation at the code, ten times), on ``bench_speed.py``'s
standardised training rows with a share of the cells removed completely at
random, and the seconds of ``fit_transform``.

How to run
----------
From the repository root::

    python benchmarks/screen_fill.py --tables concrete,banknote,wine,redwine --seeds 0,1
"""

import argparse
import contextlib
import json
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_impute import mcar_mask  # noqa: E402
from bench_speed import split_numeric  # noqa: E402

from skvae import AutoencoderImputer, AutoencoderTransformer, VAETransformer  # noqa: E402

ROUNDS = 10


def filled(model, x, mask):
    """Rows whose missing inputs hold the model's expectation of them."""
    if mask is None:
        return x
    out = x
    for _ in range(ROUNDS):
        out = torch.where(mask == 0, model._decode(model._encode(out, mask)), x)
    return out


@contextlib.contextmanager
def completing_filled_rows(model_class):
    """``model_class._complete_rows`` run on :func:`filled` rows, within."""
    as_is = model_class._complete_rows

    def complete_rows(self, x, mask, generator):
        return as_is(self, filled(self, x, mask), mask, generator)

    model_class._complete_rows = complete_rows
    try:
        yield
    finally:
        model_class._complete_rows = as_is


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tables", default="concrete,banknote,wine,redwine")
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--rate", type=float, default=0.2)
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    for name in args.tables.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            X, _, _ = split_numeric(name, seed)
            mask = mcar_mask(X.shape, args.rate, seed)
            X_missing = np.where(mask, np.nan, X)
            for model, model_class in (("vae", VAETransformer), ("ae", AutoencoderTransformer)):
                for variant in ("as is", "filled"):
                    estimator = AutoencoderTransformer(random_state=seed) if model == "ae" else None
                    imputer = AutoencoderImputer(estimator, random_state=seed)
                    patch = (completing_filled_rows(model_class) if variant == "filled"
                             else contextlib.nullcontext())
                    with patch:
                        start = time.perf_counter()
                        out = imputer.fit_transform(X_missing)
                        seconds = time.perf_counter() - start
                    mse = float(np.mean((out[mask] - X[mask]) ** 2))
                    print(json.dumps(dict(table=name, seed=seed, model=model, variant=variant,
                                          mse=round(mse, 4), seconds=round(seconds, 2))),
                          flush=True)


if __name__ == "__main__":
    main()
