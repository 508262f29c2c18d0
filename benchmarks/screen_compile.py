"""Screen: does ``torch.compile`` pay back within a default fit?

The training step of a default model (``VAETransformer()`` or
``AutoencoderTransformer()``, fitted for 2 epochs to build it) on one batch
of 256 standardised rows, timed eager and with its loss compiled
(``torch.compile`` of the model's row losses, default mode; the backward
pass is compiled with it, the Adam step is not): milliseconds a step over
300 steps after 30 of warm-up, the seconds of the first compiled step (the
compilation), and the number of steps after which the compiled step's
saving repays it. A default fit runs 30 to 140 epochs, so a few hundred to
a few thousand steps on tables of up to 5,000 rows ("Speed at the
defaults").

The compilation runs with an empty cache of torch's generated code (a new
``TORCHINDUCTOR_CACHE_DIR``), as a user's first fit would; a warm cache
shortens it to a few seconds.

How to run, from the repository root (about a minute; a C++ compiler is
needed for torch's CPU code generation)::

    python benchmarks/screen_compile.py
"""

import os
import tempfile
import time
import warnings

os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp())  # a cold cache

import torch  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_wine  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skvae import AutoencoderTransformer, VAETransformer, _training  # noqa: E402

ROWS, WARM, STEPS = 256, 30, 300


def ms_per_step(optimizer, loss_fn, x, mask):
    for _ in range(WARM):
        _training.train_step(optimizer, loss_fn, x, mask, 5)
    start = time.perf_counter()
    for _ in range(STEPS):
        _training.train_step(optimizer, loss_fn, x, mask, 5)
    return (time.perf_counter() - start) / STEPS * 1e3


def main():
    warnings.simplefilter("ignore")
    print("| table | model | eager ms/step | compiled ms/step | first compiled step s | "
          "steps to pay back |\n|---|---|---|---|---|---|")
    for name, loader in (("wine", load_wine), ("breast", load_breast_cancer)):
        X = StandardScaler().fit_transform(loader().data)
        for Model in (VAETransformer, AutoencoderTransformer):
            model = Model(max_iter=2, random_state=0).fit(X)
            data, mask = model._prepare(model._validate_X(X, reset=False))
            x = torch.as_tensor(data[:ROWS])
            mask = None if mask is None else torch.as_tensor(mask[:ROWS])
            model.module_.train()
            generator = torch.Generator().manual_seed(0)
            eager = ms_per_step(
                model._optimizer,
                lambda x, m, e: model._row_losses(x, m, e, generator), x, mask)
            torch._dynamo.reset()
            compiled_fn = torch.compile(lambda x, m, e: model._row_losses(x, m, e, None))
            start = time.perf_counter()
            _training.train_step(model._optimizer, compiled_fn, x, mask, 5)
            first = time.perf_counter() - start
            compiled = ms_per_step(model._optimizer, compiled_fn, x, mask)
            saving = eager - compiled
            payback = f"{first * 1e3 / saving:,.0f}" if saving > 0 else "never"
            print(f"| {name} | {Model.__name__} | {eager:.2f} | {compiled:.2f} | "
                  f"{first:.1f} | {payback} |", flush=True)


if __name__ == "__main__":
    main()
