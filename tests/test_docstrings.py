"""The Examples sections of the public docstrings run as doctests."""

import doctest
import importlib
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

import skvae


@pytest.mark.parametrize("name", skvae.__all__[:-1])
def test_docstring_examples_run(name):
    module = importlib.import_module(getattr(skvae, name).__module__)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
