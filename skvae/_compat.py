"""The private scikit-learn names skvae uses, imported here and nowhere else.

scikit-learn may move or change its private API in any release. Importing it
in one module gives one place to adapt; CI runs the tests against the oldest
supported scikit-learn as well as the newest. Other modules import these
names from here; nothing here is re-exported further.
"""

from sklearn.base import _fit_context
from sklearn.utils._missing import is_pandas_na
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    MissingValues,
    StrOptions,
)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import _check_feature_names_in

__all__ = [
    "HasMethods",
    "Interval",
    "MissingValues",
    "StrOptions",
    "_check_feature_names_in",
    "_get_output_config",
    "_fit_context",
    "is_pandas_na",
]
