"""Screen of an ordinal column's point prediction: the most probable level or the median.

What it measures
----------------
An ordinal column's fill (``AutoencoderImputer``) and reconstruction
(``inverse_transform``) is a point of the model's distribution over the
levels: the most probable level (``mode``, the current rule) or the level
where the cumulative probability first reaches one half (``median``), the
point that minimises the expected absolute difference in levels, the error
HI-VAE's protocol takes for ordinal columns. ``--point`` sets the rule in
this process, then runs another benchmark script (its own arguments after
``--script``), e.g. ``bench_mixed.py``'s imputation. Screened, then built:
the median is now ``Ordinal.point``, and ``--point mode`` restores the
rule before it (benchmarks/pages/mixed-types.md, "An ordinal column's
point: the median level").

How to run
----------
From the repository root::

    python benchmarks/screen_ordinal_point.py --point median --script \
        benchmarks/bench_mixed.py --part impute --only skvae-inferred --rows 10000
"""

import argparse
import runpy
import sys

import torch

from skvae._likelihoods import Ordinal


def median_point(self, expectation):
    """The first level whose cumulative probability reaches one half, as a float index."""
    reached = expectation.cumsum(-1) >= 0.5
    return reached.to(torch.int64).argmax(-1).to(expectation.dtype)


def mode_point(self, expectation):
    """The most probable level, as a float index (the rule before the median)."""
    return expectation.argmax(-1).to(expectation.dtype)


POINTS = {"mode": mode_point, "median": median_point}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--point", choices=tuple(POINTS), required=True)
    parser.add_argument("--script", required=True)
    args, rest = parser.parse_known_args(argv)
    Ordinal.point = POINTS[args.point]
    sys.argv = [args.script, *rest]
    runpy.run_path(args.script, run_name="__main__")


if __name__ == "__main__":
    main()
