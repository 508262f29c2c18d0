"""Property tests of the table layer: DataFrames of any supported dtypes in and out.

hypothesis draws tables of mixed dtypes (floats, integers of every width,
nullable integers and booleans, categories ordered or not, labels) with
missing values, named by strings or integers in any order, and checks that
the models take them and answer in their dtypes, or refuse them by column.
"""

import re

import numpy as np
import pandas as pd
import pytest
from _settings import TINY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mixed import assert_same_layout as assert_same_columns

from skvae import AutoencoderTransformer, VAETransformer

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::sklearn.exceptions.DataConversionWarning",
)

N_ROWS = 24
KINDS = ["float64", "float32", "int8", "int16", "int32", "int64", "uint8", "Int64",
         "boolean", "category", "ordered", "labels"]
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _column(kind, rng, holes):
    """``N_ROWS`` values of ``kind``; ``holes`` marks missing rows where it can."""
    if kind in ("float64", "float32"):
        values = rng.normal(size=N_ROWS).astype(kind)
        values[holes] = np.nan
        return pd.Series(values)
    if kind in ("int8", "int16", "int32", "int64", "uint8"):
        info = np.iinfo(kind)
        # values at the dtype's bounds: decoded values must stay inside them
        choices = [info.min, info.max, 0, 1, 3] if info.min < 0 else [0, 1, 3, 254, 255]
        return pd.Series(rng.choice(choices, N_ROWS).astype(kind))
    if kind == "Int64":
        return pd.Series(pd.array(rng.poisson(3.0, N_ROWS), dtype="Int64")).mask(holes)
    if kind == "boolean":
        return pd.Series(pd.array(rng.rand(N_ROWS) < 0.5, dtype="boolean")).mask(holes)
    labels = rng.choice(["lo", "mid", "hi"], N_ROWS).astype(object)
    labels[holes] = None
    if kind == "labels":
        return pd.Series(labels, dtype=object)
    return pd.Series(pd.Categorical(labels, categories=["lo", "mid", "hi", "unused"],
                                    ordered=kind == "ordered"))


@st.composite
def frames(draw):
    """A DataFrame of 1 to 4 columns of drawn dtypes and names."""
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
    naming = draw(st.sampled_from(["str", "int", "int shuffled"]))
    seed = draw(st.integers(0, 2**16))
    rate = draw(st.sampled_from([0.0, 0.2, 0.5]))
    rng = np.random.RandomState(seed)
    names = list(range(len(kinds)))
    if naming == "str":
        names = [f"c{j}" for j in names]
    elif naming == "int shuffled":
        names = [int(j) for j in rng.permutation(len(kinds)) * 7]
    holes = rng.rand(N_ROWS, len(kinds)) < rate
    holes[holes.all(axis=1), 0] = False  # every row observes something
    columns = {}
    for j, (name, kind) in enumerate(zip(names, kinds)):
        columns[name] = _column(kind, rng, holes[:, j])
    X = pd.DataFrame(columns)
    X.columns = names  # integer names as given, not a RangeIndex
    return X


def _named_error(error, X):
    """Whether a ValueError names one of X's columns."""
    return any(re.search(re.escape(f"Column {name!r}"), str(error)) for name in X.columns)


def _fit_or_refuse(Model, X):
    """The model fitted on X, or None when it refuses X by naming a column."""
    try:
        return Model(**TINY).fit(X)
    except ValueError as error:
        assert _named_error(error, X), str(error)
        return None


def assert_same_layout(out, X):
    # names, dtypes and categories (unused ones included: the model may give
    # them) as test_mixed checks them; labels of object columns among X's
    assert_same_columns(out, X)
    for name in X.columns:
        if X[name].dtype == object:
            assert set(out[name].dropna()) <= set(X[name].dropna())


@SETTINGS
@given(X=frames(), Model=st.sampled_from([AutoencoderTransformer, VAETransformer]))
def test_tables_are_taken_and_given_back_in_their_dtypes(X, Model):
    model = _fit_or_refuse(Model, X)
    if model is None:
        return
    codes = model.transform(X)
    assert codes.shape == (len(X), model.n_components)
    assert np.isfinite(codes).all()
    assert np.isfinite(model.score_samples(X)).all()
    back = model.inverse_transform(codes)
    assert_same_layout(back, X)
    assert not back.isna().any().any()
    assert_same_layout(model.sample(5, random_state=0), X)


@SETTINGS
@given(X=frames(), data=st.data())
def test_columns_in_another_order_are_refused(X, data):
    if X.shape[1] < 2:
        return
    model = _fit_or_refuse(AutoencoderTransformer, X)
    if model is None:
        return
    order = data.draw(st.permutations(list(X.columns)))
    if order == list(X.columns):
        return
    with pytest.raises(ValueError, match="same order as they were in fit"):
        model.transform(X[order])
    others = [f"other{j}" if isinstance(name, str) else 100 + j
              for j, name in enumerate(X.columns)]
    renamed = X.set_axis(others, axis=1)
    with pytest.raises(ValueError, match="Feature names"):
        model.score_samples(renamed)


@SETTINGS
@given(X=frames())
def test_a_batch_with_fewer_categories_is_taken(X):
    categorical = [n for n in X.columns if isinstance(X[n].dtype, pd.CategoricalDtype)]
    if not categorical:
        return
    model = _fit_or_refuse(VAETransformer, X)
    if model is None:
        return
    name = categorical[0]
    rows = X[name].isna() | (X[name] == X[name].dropna().iloc[0]) if (
        X[name].notna().any()) else X[name].isna()
    batch = X[rows.to_numpy()].copy()
    full = model.transform(batch)
    batch[name] = batch[name].cat.remove_unused_categories()
    np.testing.assert_array_equal(model.transform(batch), full)


def test_names_of_mixed_types_are_refused_as_scikit_learn_does():
    X = pd.DataFrame({"a": np.arange(10.0), 1: np.arange(10.0) ** 2})
    with pytest.raises(TypeError, match="Feature names are only supported if all"):
        AutoencoderTransformer(**TINY).fit(X)
