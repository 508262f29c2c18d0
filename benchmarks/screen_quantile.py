"""Screen of the quantile type: normal scores for a DataFrame's float columns.

What it measures
----------------
Each numeric column is modelled by a Gaussian on a code of its values: the
standardised value (``real``), a standardised logarithm (``positive``,
``zero-inflated``) or a count likelihood. Columns whose shape none of these
codes fits (a skewed column on a grid such as a credit limit, bill amounts
of either sign with a long tail) are drawn with the wrong marginal. The
``quantile`` type codes a column by the normal scores of its values, a
monotone map fitted on its training quantiles (``skvae/_quantiles.py``), so
that every marginal is about Gaussian; the model learns the dependencies
between the codes and draws are mapped back by the exact inverse.

The rules screened (``--rules``), for the float columns of a DataFrame:

* ``real``: the rules before the quantile type (``real``, or ``positive``
  for a long right tail, where there is no point mass) and a zero-inflated
  column's values other than 0 coded by their logarithm;
* ``zero-inflated-log``: ``quantile`` where those rules gave ``real``, a
  zero-inflated column coded by logarithms still;
* ``quantile``: the rules now: ``zero-inflated-log`` with a zero-inflated
  column's values other than 0 coded by their normal scores;
* ``quantile-positive``: ``quantile`` for the long-tailed ones too;
* ``outside``: the rules of ``real``, with the float columns that are not
  point masses replaced by their normal scores before ``fit`` by
  scikit-learn's ``QuantileTransformer(output_distribution="normal")`` and
  mapped back after ``sample`` (the first screen, outside the model; a
  column's zeros become one normal score, a point mass only where they
  hold a fifth of its values).

Without ``--script``: ``VAETransformer(random_state=seed)`` under each rule
on the complete rows of each table, scored as ``bench_mixed.py --part
generate`` scores generators (SDMetrics' quality report against the
training rows, train-on-synthetic ROC AUC, distance-to-closest-record
share), with each column's shape and the held-out log-likelihood
(``score``, nats a row in the columns' units; not for ``outside``). With
``--script path [args]``: runs another benchmark script (its own arguments
after it) under the first rule, in this process.

How to run
----------
With SDV's SDMetrics installed (pandas < 3), from the repository root::

    python benchmarks/screen_quantile.py --tables defaultCredit,Adult --rows 10000
    python benchmarks/screen_quantile.py --rules real \
        --script benchmarks/bench_mixed.py --part impute --only skvae-inferred
"""

import argparse
import json
import runpy
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import pandas as pd
import torch
from sklearn.preprocessing import QuantileTransformer
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE))

import _mixed_data as md  # noqa: E402
import bench_mixed as bm  # noqa: E402

import skvae._column_types as column_types  # noqa: E402
import skvae._columns as columns  # noqa: E402
import skvae._type_rules as type_rules  # noqa: E402
from skvae import VAETransformer  # noqa: E402

FLOAT_TYPE = type_rules.float_type
RULES = ("real", "zero-inflated-log", "quantile", "quantile-positive", "outside")
MAKE_COLUMN = column_types.make_column


def use_rule(rule):
    """Make the type rules give a float column its type by ``rule``."""
    renamed = {"real": {"quantile": "real"}, "outside": {"quantile": "real"},
               "quantile-positive": {"positive": "quantile"}}.get(rule, {})

    def float_type(values):
        kind = FLOAT_TYPE(values)
        return renamed.get(kind, kind)

    def make_column(values, name, declared, default, frame):
        column = MAKE_COLUMN(values, name, declared, default, frame)
        if rule in ("real", "outside", "zero-inflated-log") and column.type == "zero-inflated":
            column.knots = column.scores = column.ties = None  # coded by log, as before
        return column

    type_rules.float_type = float_type
    columns.make_column = make_column


def fit_outside(train, seed):
    """A sampler: the VAE on ``train`` with its float columns that are not point
    masses replaced by normal scores (scikit-learn's map), and mapped back."""
    maps, coded = {}, train.copy()
    for name in train.columns:
        if not pd.api.types.is_float_dtype(train[name].dtype):
            continue
        values = train[[name]].to_numpy(float)
        if type_rules.point_mass_type(values[:, 0]) is not None:
            continue
        maps[name] = QuantileTransformer(
            n_quantiles=min(1000, len(values)), output_distribution="normal",
            subsample=None, random_state=seed,
        ).fit(values)
        coded[name] = maps[name].transform(values)[:, 0]
    model = VAETransformer(random_state=seed).fit(coded)

    def sample(n):
        drawn = model.sample(n, random_state=seed)
        for name, qt in maps.items():
            drawn[name] = qt.inverse_transform(drawn[[name]].to_numpy(float))[:, 0]
        return drawn

    return sample


def run(name, rules, n_rows, seed):
    train, test, columns = bm.complete_split(name, n_rows=n_rows)
    metadata_ = bm.sdv_metadata(train)
    out = []
    for rule in rules:
        use_rule(rule)
        start = time.perf_counter()
        if rule == "outside":
            sample, types, held_out = fit_outside(train, seed), {}, float("nan")
        else:
            model = VAETransformer(random_state=seed).fit(train)
            sample, types = partial(model.sample, random_state=seed), model.column_types_
            held_out = model.score(test)
        fit_s = time.perf_counter() - start
        synthetic = md.coerce(sample(len(train)), columns)
        record = dict(table=name, rule=rule, seed=seed, fit_seconds=fit_s,
                      held_out_log_likelihood=held_out, types=types)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            record.update(bm.quality(train, synthetic, metadata_))
        record["tstr_roc_auc"] = bm.tstr(synthetic, test, columns, bm.TARGETS[name],
                                         seed)["roc_auc"]
        record["dcr_share"] = bm.dcr_share(train, test, synthetic, columns, seed)
        out.append(record)
        brief = {k: (round(v, 4) if isinstance(v, float) else v)
                 for k, v in record.items() if not isinstance(v, (dict, list))}
        print(brief, file=sys.stderr)
    use_rule("quantile")
    real = bm.tstr(train, test, columns, bm.TARGETS[name], seed)["roc_auc"]
    return out, real


def markdown(records, real, rules):
    lines = ["| table | rule | column shapes | pair trends | pair trends (all) "
             "| TSTR ROC AUC (real rows) | DCR share | held-out log-lik | fit s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in records:
        lines.append(
            f"| {r['table']} | {r['rule']} | {r['column_shapes']:.3f} "
            f"| {r['column_pair_trends']:.3f} | {r['column_pair_trends_all']:.3f} "
            f"| {r['tstr_roc_auc']:.3f} ({real[r['table']]:.3f}) | {r['dcr_share']:.3f} "
            f"| {r['held_out_log_likelihood']:.2f} | {r['fit_seconds']:.1f} |")
    lines += ["", "Column shapes:", "", "| table | column | " + " | ".join(rules) + " |",
              "|---|---|" + "---:|" * len(rules)]
    for table in dict.fromkeys(r["table"] for r in records):
        group = [r for r in records if r["table"] == table]
        for column in group[0]["column_shapes_by_column"]:
            scores = " | ".join(f"{r['column_shapes_by_column'][column]:.3f}" for r in group)
            lines.append(f"| {table} | {column} | {scores} |")
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    script = argv.index("--script") if "--script" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", default="real,quantile",
                        help=f"comma-separated, of {', '.join(RULES)}")
    parser.add_argument("--tables", default="defaultCredit,Adult")
    parser.add_argument("--rows", type=int, default=None, help="rows read per table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", type=Path,
                        default=HERE / "results" / "screen_quantile.json")
    args = parser.parse_args(argv[:script])
    rules = args.rules.split(",")
    if set(rules) - set(RULES):
        raise SystemExit(f"unknown rules: {sorted(set(rules) - set(RULES))}")
    if script < len(argv):
        use_rule(rules[0])
        sys.argv = argv[script + 1 :]
        runpy.run_path(sys.argv[0], run_name="__main__")
        return
    threadpool_limits(args.threads)
    torch.set_num_threads(args.threads)
    records, real = [], {}
    for name in args.tables.split(","):
        table_records, real[name] = run(name, rules, args.rows, args.seed)
        records += table_records
    print(markdown(records, real, rules))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(dict(args={k: str(v) for k, v in vars(args).items()},
                                           records=records, real=real), indent=1,
                                      default=str))


if __name__ == "__main__":
    main()
