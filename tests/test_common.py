"""scikit-learn's common estimator checks over small instances of every model."""

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    VAETransformer,
)

SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device="cpu")

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


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_allow_nan_tag(estimator):
    assert estimator.__sklearn_tags__().input_tags.allow_nan
