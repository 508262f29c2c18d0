"""Column types as objects: what a type means to the table.

A :class:`ColumnType` says of its columns what the table's rules ask (their
likelihood, whether their code is standardised or a logarithm, whether low
values are impossible, whether they are discrete or classes), so that no
rule compares type names. ``TYPES`` maps the names users declare in
``column_types`` to them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnType:
    """What a column type is to the table: its likelihood and how it is coded.

    One object per type (``TYPES``); a :class:`Column` answers through it
    (``column.kind``) what its type means, so that no rule compares type
    names. The names are what users declare in ``column_types``.

    Attributes
    ----------
    name : str
        As declared in ``column_types`` and reported in ``column_types_``.
    likelihood : str
        The likelihood of its targets (one of ``_columns.GROUPS``).
    standardised : bool
        Its scalar code is standardised by a mean and a scale (binary and
        categorical codes are probabilities, left as they are).
    log_coded : bool
        Its scalar code is a logarithm: ``log1p(x / offset)`` for a
        positive column, ``asinh(x / offset)`` (a logarithm of either sign)
        for a signed-log one, ``log1p(x)`` for a count (spiked or not).
    quantile_coded : bool
        Its scalar code is the normal score of its value: a monotone,
        piecewise-linear map learnt from its training quantiles (of the
        values other than 0, for a zero-inflated column).
    bounded_below : bool
        Its likelihood gives low values probability 0 (see
        :meth:`Column.outside_support`).
    discrete : bool
        Its values are whole numbers or classes.
    labels : bool
        Its values may be labels (binary, categorical, ordinal); the
        others hold numbers on a scale.
    classes : bool
        Its values are labels, coded as class indices.
    one_hot : bool
        The network's input is the one-hot vector of its class.
    point_mass : bool
        One value, its ``atom``, has a probability of its own: the column
        is coded as an indicator of the atom (a Bernoulli target) and its
        other values (a target the atom leaves missing: a Gaussian, or for
        a spiked count a negative binomial without the atom).
    """

    name: str
    likelihood: str
    standardised: bool = False
    log_coded: bool = False
    quantile_coded: bool = False
    bounded_below: bool = False
    discrete: bool = False
    labels: bool = False
    classes: bool = False
    one_hot: bool = False
    point_mass: bool = False


REAL = ColumnType("real", "gaussian", standardised=True)
POSITIVE = ColumnType("positive", "gaussian", standardised=True, log_coded=True,
                      bounded_below=True)
COUNT = ColumnType("count", "count", standardised=True, log_coded=True,
                   bounded_below=True, discrete=True)
BINARY = ColumnType("binary", "bernoulli", discrete=True, labels=True)
CATEGORICAL = ColumnType("categorical", "categorical", discrete=True, labels=True,
                         classes=True, one_hot=True)
ORDINAL = ColumnType("ordinal", "ordinal", standardised=True, discrete=True,
                     labels=True, classes=True)
SIGNED_LOG = ColumnType("signed-log", "gaussian", standardised=True, log_coded=True)
QUANTILE = ColumnType("quantile", "gaussian", standardised=True, quantile_coded=True)
SPIKED = ColumnType("spiked", "gaussian", standardised=True, point_mass=True)
ZERO_INFLATED = ColumnType("zero-inflated", "gaussian", standardised=True, quantile_coded=True,
                           bounded_below=True, point_mass=True)
SPIKED_COUNT = ColumnType("spiked-count", "truncated-count", standardised=True,
                          log_coded=True, bounded_below=True, discrete=True, point_mass=True)
# name -> type, in the order the docs list them
TYPES = {kind.name: kind for kind in (REAL, QUANTILE, POSITIVE, SIGNED_LOG, SPIKED,
                                      ZERO_INFLATED, COUNT, SPIKED_COUNT, BINARY,
                                      CATEGORICAL, ORDINAL)}
