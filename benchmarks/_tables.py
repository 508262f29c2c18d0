"""Tables for the benchmarks of default settings, from 150 to 300,000 rows.

Each loader returns a float64 array of rows (features only). The tables come
in two groups: ``TUNE`` is where settings were chosen, ``CHECK`` is only
reported, so that a setting's figures on ``CHECK`` show how it does on data
it was not chosen on. ADBench tables keep their inliers (``y == 0``).
Provenance of the files: ``../shared/data/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _uci(filename, n_columns=None, **options):
    def load():
        frame = pd.read_csv(DATA / "uci" / filename, **options)
        return frame.iloc[:, :n_columns].to_numpy(dtype=np.float64)

    return load


def _adbench(stem):
    def load():
        data = np.load(DATA / "adbench_classical" / f"{stem}.npz")
        return data["X"][data["y"] == 0].astype(np.float64)

    return load


def _sklearn(loader):
    return lambda: loader().data.astype(np.float64)


def synthetic(n_samples=200_000, n_features=32, n_latent=6, seed=0):
    """Rows on a curved ``n_latent``-dimensional manifold plus noise.

    Gaussian factors through a fixed random tanh network (``n_latent`` ->
    64 -> ``n_features``), then Gaussian noise of standard deviation 0.1.
    """
    rng = np.random.RandomState(seed)
    W1 = rng.normal(size=(n_latent, 64)) / np.sqrt(n_latent)
    W2 = rng.normal(size=(64, n_features)) / np.sqrt(64)
    Z = rng.normal(size=(n_samples, n_latent))
    X = np.tanh(np.tanh(Z @ W1 * 1.5) @ W2 * 1.5)
    return X + 0.1 * rng.normal(size=X.shape)


TUNE = {
    "iris": _sklearn(datasets.load_iris),
    "breast": _sklearn(datasets.load_breast_cancer),
    "digits": _sklearn(datasets.load_digits),
    "redwine": _uci("winequality-red.csv", encoding="utf-8-sig"),
    "letter": _uci("gain_letter.csv"),
    "shuttle": _adbench("32_shuttle"),
    "synthetic": synthetic,
}

CHECK = {
    "wine": _sklearn(datasets.load_wine),
    "diabetes": _sklearn(datasets.load_diabetes),
    "concrete": _uci("concrete_from_xls.csv"),
    "banknote": _uci("data_banknote_authentication.txt", 4),
    "whitewine": _uci("winequality-white.csv", encoding="utf-8-sig"),
    "spam": _uci("gain_spam.csv"),
    "magic": _adbench("22_magic.gamma"),
    "aloi": _adbench("1_ALOI"),
    "cover": _adbench("10_cover"),
}

TABLES = {**TUNE, **CHECK}


def group(name):
    """``"tune"`` or ``"check"``."""
    return "tune" if name in TUNE else "check"


def split(name, seed, test_size=0.3):
    """Standardised training and held-out rows of a table (70/30 by default).

    The scaler is fitted on the training part; features constant there are
    dropped, since no density can be compared on them.
    """
    X = TABLES[name]()
    X_train, X_test = train_test_split(X, test_size=test_size, random_state=seed)
    keep = X_train.std(axis=0) > 1e-12 * np.maximum(1.0, np.abs(X_train).max(axis=0))
    scaler = StandardScaler().fit(X_train[:, keep])
    return scaler.transform(X_train[:, keep]), scaler.transform(X_test[:, keep])


def latent_sizes(n_features, sizes=(2, 8)):
    """The code sizes to try on a table: ``sizes`` below its width."""
    return sorted({min(k, n_features - 1) for k in sizes})
