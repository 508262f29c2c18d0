"""A planted group of outliers, from near-identical rows to a loose cloud.

What it measures
----------------
The ROC AUC, on the training rows themselves, of the default
``AutoencoderOutlierDetector()`` (trimmed, its model's score beside the
mean distance to the 5 nearest training rows), of the same detector scoring by
its model alone (``n_neighbors=None``), of either with a model trained on
every row, and of ``IsolationForest``, when ten rows are
added to scikit-learn's 178 wine rows: a point 3 standard deviations out in
every feature (signs alternating), plus noise of ``spread`` standard
deviations. A tight group (0.05) is a set of near-duplicates.

How to run
----------
From the repository root::

    python benchmarks/bench_tight_group.py     # about a minute on 2 cores
"""

import warnings

import numpy as np  # noqa: E402
from sklearn.datasets import load_wine  # noqa: E402
from sklearn.ensemble import IsolationForest  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from skvae import AutoencoderOutlierDetector, VAETransformer  # noqa: E402

DETECTORS = {
    "trimmed (default)": lambda: AutoencoderOutlierDetector(random_state=0),
    "trimmed, model alone": lambda: AutoencoderOutlierDetector(
        n_neighbors=None, random_state=0),
    "every row": lambda: AutoencoderOutlierDetector(
        VAETransformer(support_fraction=1.0), random_state=0),
    "every row, model alone": lambda: AutoencoderOutlierDetector(
        VAETransformer(support_fraction=1.0), n_neighbors=None, random_state=0),
    "IsolationForest": lambda: IsolationForest(random_state=0),
}


def main():
    warnings.simplefilter("ignore")
    rng = np.random.RandomState(0)
    X = load_wine().data
    centre = X.mean(0) + X.std(0) * np.array([3, -3] * 6 + [3])
    print("| spread | " + " | ".join(DETECTORS) + " |")
    print("|---" * (len(DETECTORS) + 1) + "|")
    for spread in (0.05, 0.3, 1.0):
        group = centre + rng.normal(size=(10, X.shape[1])) * X.std(0) * spread
        X_all = np.vstack((X, group))
        y = np.r_[np.zeros(len(X)), np.ones(len(group))]
        aucs = [roc_auc_score(y, -make().fit(X_all).score_samples(X_all))
                for make in DETECTORS.values()]
        print(f"| {spread} | " + " | ".join(f"{a:.3f}" for a in aucs) + " |")


if __name__ == "__main__":
    main()
