"""scikit-learn's common estimator checks over small instances of every model."""

import warnings

import numpy as np
import pytest
from _settings import SMALL
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.utils.estimator_checks import parametrize_with_checks

from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
)

# small networks here; the default network, whose numerics matter (a row alone
# and within a batch must agree), in test_sklearn_compatible_at_default_settings
ESTIMATORS = [
    AutoencoderTransformer(**SMALL),
    VAETransformer(n_importance_samples=5, **SMALL),
    VAETransformer(train_importance_samples=3, kl_warmup=2, **SMALL),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@parametrize_with_checks(
    [
        AutoencoderTransformer(random_state=0),
        VAETransformer(random_state=0),
        AutoencoderImputer(random_state=0),
        AutoencoderOutlierDetector(random_state=0),
    ]
)
def test_sklearn_compatible_at_default_settings(estimator, check):
    # the whole default training on every check's data, as a user's CI runs
    # check_estimator: about 30 s for the four on 2 cores
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.mark.parametrize(
    "estimator, allow_nan",
    [
        *[(estimator, True) for estimator in ESTIMATORS],
        (AutoencoderImputer(AutoencoderTransformer(**SMALL), random_state=0), True),
        (AutoencoderOutlierDetector(VAETransformer(**SMALL), random_state=0), True),
        (AutoencoderOutlierDetector(GaussianMixture(), random_state=0), False),
    ],
    ids=lambda e: type(e).__name__ if hasattr(e, "fit") else str(e),
)
def test_allow_nan_tag_says_what_fit_does(estimator, allow_nan):
    # the tag is what scikit-learn's checks and meta-estimators read: it
    # must match what fit does with NaN
    assert estimator.__sklearn_tags__().input_tags.allow_nan is allow_nan
    X = np.random.RandomState(0).normal(size=(60, 3))
    X[::7, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if allow_nan:
            estimator.fit(X)
        else:
            with pytest.raises(ValueError, match="NaN"):
                estimator.fit(X)
