"""The optimiser's step: skvae's Adam against ``torch.optim.Adam``.

What it measures
----------------
The default ``VAETransformer()`` network of a table (fitted for one epoch
to build it), its parameters given gradients by one backward pass; then,
for each optimiser, microseconds per ``zero_grad`` + ``step`` with the same
gradients every step (the parameters move, which costs the same), and per
whole training step on one batch of ``--batch`` rows (forward, backward,
``zero_grad`` and ``step``, as the training loop runs it). Optimisers:
skvae's (``skvae._adam.Adam``, torch's fused kernel called directly), and
``torch.optim.Adam`` fused and with its default implementation (foreach on
CPU), each with the two parameter groups skvae uses. One thread; every cell
is the best of ``--rounds`` rounds of ``--steps`` steps, the optimisers
interleaved round by round.

How to run
----------
From the repository root::

    python benchmarks/bench_optimiser.py                # wine, 13 columns
    python benchmarks/bench_optimiser.py --table breast_cancer
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import torch
from sklearn import datasets
from sklearn.preprocessing import StandardScaler

from skvae import VAETransformer
from skvae._adam import Adam


def optimisers(module):
    weights = [p for n, p in module.named_parameters() if n.endswith("weight")]
    others = [p for n, p in module.named_parameters() if not n.endswith("weight")]
    groups = [{"params": weights, "weight_decay": 1e-4}, {"params": others}]
    ours = Adam([weights, others])
    ours.param_groups[0]["weight_decay"] = 1e-4
    return {
        "skvae Adam": ours,
        "torch.optim.Adam(fused=True)": torch.optim.Adam(groups, fused=True),
        "torch.optim.Adam() (foreach)": torch.optim.Adam(groups),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", default="wine")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X = StandardScaler().fit_transform(getattr(datasets, f"load_{args.table}")().data)
    vae = VAETransformer(max_iter=1, random_state=0).fit(X)
    module = vae.module_
    batch = torch.as_tensor(X[: args.batch], dtype=torch.float32)
    generator = torch.Generator().manual_seed(0)

    def loss():
        return vae._row_losses(batch, None, 0, generator)[0].mean()

    loss().backward()
    grads = [p.grad.clone() for p in module.parameters()]
    candidates = optimisers(module)
    best = {(name, what): np.inf for name in candidates for what in ("step", "train")}
    for _ in range(args.rounds):
        for name, optimiser in candidates.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                optimiser.zero_grad(set_to_none=True)
                for p, g in zip(module.parameters(), grads):
                    p.grad = g
                optimiser.step()
            best[name, "step"] = min(best[name, "step"], time.perf_counter() - start)
            start = time.perf_counter()
            for _ in range(args.steps):
                optimiser.zero_grad(set_to_none=True)
                loss().backward()
                optimiser.step()
            best[name, "train"] = min(best[name, "train"], time.perf_counter() - start)
    n_params = sum(1 for _ in module.parameters())
    print(f"torch {torch.__version__}, table {args.table} ({X.shape[1]} columns), "
          f"{n_params} parameter tensors, batch {min(args.batch, len(X))}, one thread; "
          f"best of {args.rounds} rounds of {args.steps} steps\n")
    print("| optimiser | zero_grad + step, µs | training step, ms |")
    print("|---|---:|---:|")
    for name in candidates:
        print(f"| {name} | {best[name, 'step'] / args.steps * 1e6:.0f} "
              f"| {best[name, 'train'] / args.steps * 1e3:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
