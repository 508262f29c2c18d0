"""AutoencoderImputer: fill missing values with an autoencoder or a VAE."""

import inspect
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import MissingIndicator
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._compat import (
    HasMethods,
    MissingValues,
    _check_feature_names_in,
    _fit_context,
    _get_output_config,
    is_pandas_na,
)
from ._dask import float_dtype, in_dask_block, lazy, lazy_past_set_output, refuse_lazy_frame
from ._dtypes import integer_range, is_label_dtype, numpy_dtype_of
from ._fills import FittedColumn, frame_like, is_nan, value_kind
from ._fitting import undone_on_error
from ._frames import (
    is_frame,
    is_polars,
    names_for_model,
    output_schema,
    polars_schema,
    to_pandas,
    to_polars,
)
from ._kinds import ORDINAL
from ._utils import SEED_MAX, check_min_samples, clone_with_seed, validate_numbers
from ._vae import VAETransformer


def _default_estimator(n_features, random_state):
    """The VAE used when ``estimator=None``, sized for ``n_features`` columns."""
    return VAETransformer(
        n_components=max(1, min(8, n_features - 1)),
        train_importance_samples=10,
        n_importance_samples=1000,
        random_state=random_state,
    )


def _can_draw(estimator):
    """Whether the model's ``complete`` takes ``sample_posterior``: it can draw."""
    return "sample_posterior" in inspect.signature(estimator.complete).parameters


def _take(X, rows, columns):
    """Rows and columns of an array or a DataFrame, by boolean masks."""
    if is_frame(X):
        return X.iloc[np.flatnonzero(rows), np.flatnonzero(columns)]
    return X[rows][:, columns]


def _marginal(X):
    """Each column's fill for a row with nothing observed: mean, or mode.

    The mean of a numeric column (of an array or a DataFrame), as a scalar
    of the column's dtype (rounded to the nearest integer for an integer
    column) so that the fill can be written into it; the most frequent
    value of any other column; NaN for a column with no value.
    """
    if not is_frame(X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return list(np.nanmean(X, axis=0))
    out = []
    for _, column in X.items():
        if column.dtype.kind in "iuf":
            mean = np.nan
            if column.notna().any():
                mean = column.astype("Float64").mean()
                if column.dtype.kind in "iu":  # the mean of int64s near 2**63 may round past it
                    low, high = integer_range(numpy_dtype_of(column.dtype))
                    mean = min(max(round(mean), low), high)
                mean = column.dtype.type(mean)
            out.append(mean)
        else:
            counts = column.value_counts(dropna=True)
            out.append(counts.index[0] if len(counts) else np.nan)
    return out


def _marked_missing(X, marker):
    """A copy of a DataFrame of numbers with its ``marker`` entries missing.

    X must hold no missing or infinite value (the marker is the only
    missing value), as for an array. An integer column with a marked entry
    becomes the nullable integer dtype of its width (``int64`` to
    ``"Int64"``), which holds a missing value and keeps the column typed as
    integers; the output still takes the user's dtypes.
    """
    check_array(X, dtype=[np.float64, np.float32], ensure_all_finite=True, input_name="X")
    out = X.copy()
    for j in range(X.shape[1]):
        column = X.iloc[:, j]
        marked = (column == marker).to_numpy()
        if not marked.any():
            continue
        if column.dtype.kind in "iu" and isinstance(column.dtype, np.dtype):
            width = 8 * column.dtype.itemsize
            column = column.astype(f"{'U' if column.dtype.kind == 'u' else ''}Int{width}")
        out.isetitem(j, column.mask(marked))
    return out


def _holes(missing):
    """A float array with NaN at the missing entries, for MissingIndicator."""
    return np.where(missing, np.nan, 0.0)


@lazy_past_set_output
class AutoencoderImputer(TransformerMixin, BaseEstimator):
    """Multivariate imputer that fills missing values with an autoencoder.

    The autoencoder or VAE in ``estimator`` is trained on the observed
    entries only (its loss ignores missing ones), then completes each row.
    With a :class:`VAETransformer` the fill is the importance-weighted
    conditional mean of the missing entries given the observed ones (MIWAE,
    Mattei & Frellsen 2019); ``sample_posterior=True`` draws one plausible
    completion instead, so that imputing with several ``random_state`` gives
    multiple imputation. With an :class:`AutoencoderTransformer` the missing
    entries are filled by its reconstruction. Observed entries are returned
    unchanged, bit for bit.

    Parameters
    ----------
    estimator : estimator object, default=None
        The model to train, cloned at :term:`fit`: an
        :class:`AutoencoderTransformer`, a :class:`VAETransformer`, or any
        estimator with ``fit`` and ``complete``, where ``complete(X)``
        returns every entry of the rows of X given their observed entries
        (X and the result as the models' :meth:`VAETransformer.complete`
        takes and gives them). ``sample_posterior=True`` needs a model
        whose ``complete`` also takes ``sample_posterior`` and
        ``random_state``. None means a :class:`VAETransformer` sized for
        imputation (see Notes).

    missing_values : int, float, np.nan or pd.NA, default=np.nan
        The placeholder for the missing values. All occurrences of
        `missing_values` will be imputed. With `np.nan` (or `pd.NA`, which
        means the same), any missing value of a pandas DataFrame (`np.nan`,
        `None`, `pd.NA`) marks a hole; a
        number applies to DataFrames whose columns are all numbers, which
        must then hold no other missing value.

    add_indicator : bool, default=False
        If True, a :class:`~sklearn.impute.MissingIndicator` transform will
        stack onto the output of the imputer's transform. This allows a
        predictive estimator to account for missingness despite imputation.
        If a feature has no missing values at fit/train time, the feature
        won't appear on the missing indicator even if there are missing
        values at transform/test time.

    keep_empty_features : bool, default=False
        If True, features that consist exclusively of missing values when
        `fit` is called are returned in results when `transform` is called.
        The imputed value is always `0` (False in a boolean column), except
        in a DataFrame's column of labels (strings, objects, or categories
        that are not numbers), which gets ``"missing_value"``, as
        :class:`~sklearn.impute.SimpleImputer` fills such columns with
        ``strategy="constant"``; a category column gains it as a category.

    sample_posterior : bool, default=False
        Whether to draw each completion from the model's conditional
        distribution of the missing entries instead of filling in its
        mean. Needs a :class:`VAETransformer`. Set to True to use the imputer
        for multiple imputation.

    random_state : int, RandomState instance or None, default=None
        Seeds the cloned ``estimator`` when its own ``random_state`` is None,
        and the draws of ``sample_posterior=True``. Pass an int for
        reproducible output across multiple function calls; imputing with
        several ints gives several completions.
        See :term:`Glossary <random_state>`.

    Attributes
    ----------
    estimator_ : AutoencoderTransformer or VAETransformer
        The fitted model, trained on the features that have at least one
        observed value.

    indicator_ : :class:`~sklearn.impute.MissingIndicator`
        Indicator used to add binary indicators for missing values.
        `None` if `add_indicator=False`.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.impute.IterativeImputer : Multivariate imputer that estimates
        each feature from all the others.
    sklearn.impute.KNNImputer : Multivariate imputer that estimates missing
        features using nearest samples.
    sklearn.impute.SimpleImputer : Univariate imputer for completing missing
        values with simple strategies.

    Notes
    -----
    ``estimator=None`` stands for ``VAETransformer(n_components=min(8,
    n_features - 1), train_importance_samples=10, n_importance_samples=1000)``
    (at least one component), the VAE's defaults otherwise: a MIWAE trained
    on the importance-weighted bound with 10 samples. It differs from
    ``VAETransformer()`` where measurements on the five data sets of the
    MIWAE protocol (``benchmarks/bench_impute.py``) say imputation needs
    it: two latent variables cannot carry what a 30-feature table needs
    (``VAETransformer()`` has 40% more error on breast cancer); the
    importance-weighted bound lowers the error by 5 to 9% and 1000
    importance samples at imputation by 1 to 5% more. Training stops soon
    after the held-out rows stop improving (see :class:`VAETransformer`);
    a longer patience, such as ``n_iter_no_change=30``, lowers the error on
    those sets by 0 to 4% more at about twice the time. For large data
    consider a smaller ``train_importance_samples``.

    With a VAE, the fill is the self-normalised importance-weighted mean
    ``sum_k w_k E[x_miss | z_k]`` over the estimator's
    ``n_importance_samples`` draws ``z_k`` from ``q(z | x_obs)``, with
    weights ``w_k`` proportional to ``p(x_obs | z_k) p(z_k) / q(z_k |
    x_obs)``. The noise is fixed per sample index, so :meth:`transform` is
    deterministic and a row's fill does not depend on the other rows (up to
    float32 rounding: a matrix product may round a row differently in
    another batch). With
    ``sample_posterior=True`` a completion is drawn by sampling importance
    resampling: one of ``2 n_importance_samples`` fresh draws ``z_k``, half
    from ``q(z | x_obs)`` and half from the prior, is picked with probability
    proportional to ``p(x_obs | z_k) p(z_k)`` over their mixture density,
    and the missing entries are drawn from ``p(x_miss | z_k)``.
    ``sample_posterior`` and ``random_state`` are read again by
    :meth:`transform`, so a fitted imputer gives several completions through
    ``set_params(sample_posterior=True, random_state=i)`` without refitting.

    With an :class:`AutoencoderTransformer`, missing entries are set to the
    feature means (as in training) and filled with the reconstruction, once
    (the most probable category of a categorical column, the median level
    of an ordinal one).
    Feeding the filled rows back for more rounds was measured on the
    benchmark sets: a second round changed the error by under 1% on four of
    them and made it 15% worse on breast cancer, and further rounds diverge,
    as the inputs drift away from those the autoencoder was trained on.

    The model is trained on the rows with at least one observed value. A
    row with no observed value (among the features kept) is filled with the
    training mean of each feature (the most frequent value of a column that
    is not numbers); with ``sample_posterior=True`` it is drawn from the
    model's prior, its posterior given nothing. :meth:`transform` completes
    only the rows with an entry to fill: on a table with few missing cells
    most rows cost one pass of the model's ``transform``, which checks
    their values, instead of the importance samples of a completion.

    Pandas input gives pandas output with the same index, column names and
    dtypes: integer and boolean columns (nullable or not) receive rounded
    values, columns of categories and labels receive one of the labels seen
    in :term:`fit`, and indicator columns are boolean; polars input gives
    polars output with the same schema. The model gets a DataFrame whole,
    a DataFrame of numbers too, and codes each column by its type (see
    :class:`VAETransformer`'s ``column_types``, which names the columns);
    with a number for ``missing_values``, its entries are made missing in a
    copy, integer columns becoming nullable integers. A model without the
    ``input_tags.categorical`` tag gets a float array of a DataFrame of
    numbers. A fill takes the type of its column's values: a column of objects or strings that holds
    numbers, such as ``["1.5", "2", None]``, gets numbers written as
    strings (integers where its values are integers), an object column of
    integers gets integers.

    A category column of a batch may have other categories than in fit
    (a subset, more unused ones, another order), as a column rebuilt on the
    batch with ``astype("category")`` has; a label that fit did not see is
    refused with a ValueError naming the column. The output column keeps
    the batch's dtype when that holds every category seen in fit; otherwise
    its categories are the batch's with the fitted ones it lacks added: at
    the end, or at their place in the fitted order when both the batch and
    the model order the column (an ordinal column; an ordered batch that
    lacks some and orders the others unlike fit is refused). So observed
    labels are unchanged, every fill is a category of the output, and the
    output dtype depends on the batch's dtype, not on its rows. polars
    ``Enum`` columns follow the same rule.

    :meth:`transform` returns the container of its input: a float array
    for an array, a pandas or a polars DataFrame for one. This is the
    imputer's default output in scikit-learn's sense
    (``set_output(transform="default")`` leaves a transformer's output as
    it is): an imputer returns the user's table with its holes filled, and
    an array cannot hold a table's dtypes (categories, nullable integers,
    booleans) without losing them. DataFrames of numbers follow the same
    rule, so the container never depends on the columns' dtypes; pass
    ``X.to_numpy()`` for an array. ``set_output(transform="pandas")`` and
    ``"polars"`` convert: an array's columns are named ``x0, x1, ...`` as
    in scikit-learn's imputers, and a DataFrame of the other library keeps
    its dtypes (polars ``Categorical`` and ``Enum`` are pandas ``category``
    and ordered ``category``, polars integers and booleans ``"Int64"`` and
    ``"boolean"``).

    References
    ----------
    .. [1] Mattei, P.-A. and Frellsen, J. (2019). MIWAE: Deep generative
       modelling and imputation of incomplete data sets. ICML.
    .. [2] Burda, Y., Grosse, R. and Salakhutdinov, R. (2016). Importance
       weighted autoencoders. ICLR.
    .. [3] Rubin, D. B. (1987). Multiple imputation for nonresponse in
       surveys. Wiley.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae import AutoencoderImputer, VAETransformer
    >>> X = [[1, 2, np.nan], [3, 4, 3], [np.nan, 6, 5], [8, 8, 7]]
    >>> imputer = AutoencoderImputer(VAETransformer(max_iter=5), random_state=0)
    >>> imputer.fit_transform(X).shape
    (4, 3)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "complete"]), None],
        "missing_values": [MissingValues(numeric_only=True)],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
        "sample_posterior": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        missing_values=np.nan,
        add_indicator=False,
        keep_empty_features=False,
        sample_posterior=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.missing_values = missing_values
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features
        self.sample_posterior = sample_posterior
        self.random_state = random_state

    def _validate_input(self, X, *, reset):
        """Validated X and its missing-entry mask.

        A DataFrame is kept whole when the model codes DataFrames (skvae's
        models type its columns from their dtypes and take ``column_types``
        by column name) or when its columns are not all numbers; any
        missing value of pandas marks a hole, and a ``missing_values``
        marker in a DataFrame of numbers is made missing in a copy (see
        :func:`_marked_missing`). Columns named when fit's were not reach
        the model numbered, so that only the imputer warns of the names.
        Other input becomes a float array with NaN in the holes.
        """
        refuse_lazy_frame(X, type(self).__name__)
        numeric = is_frame(X) and all(dtype.kind in "iuf" for dtype in X.dtypes)
        coded = get_tags(self._get_estimator()).input_tags.categorical
        nan_marks_missing = is_nan(self.missing_values)
        if is_frame(X) and (coded or not numeric):
            if not nan_marks_missing:
                if not numeric:
                    raise ValueError(
                        "A DataFrame with non-numeric columns marks holes with "
                        "missing values (NaN, None, pd.NA); missing_values="
                        f"{self.missing_values!r} applies to numeric data only."
                    )
                X = _marked_missing(X, self.missing_values)
            validate_data(self, X, reset=reset, skip_check_array=True)
            check_min_samples(X, 1, type(self).__name__)
            X = names_for_model(self, X, reset)
            return X, X.isna().to_numpy()
        X = validate_numbers(self, X, reset=reset,
                             ensure_all_finite="allow-nan" if nan_marks_missing else True)
        missing = np.isnan(X) if nan_marks_missing else X == self.missing_values
        return np.where(missing, np.nan, X), missing

    def _get_estimator(self):
        """The model as given, or the default's kind (for its tags)."""
        return VAETransformer() if self.estimator is None else self.estimator

    def _check_sample_posterior(self, estimator):
        if self.sample_posterior and not _can_draw(estimator):
            raise ValueError(
                f"sample_posterior=True needs a model that can draw a completion, "
                f"such as VAETransformer; {type(estimator).__name__} has no "
                "distribution to sample from."
            )

    def _make_estimator(self, n_features):
        if self.random_state is None:
            seed = None
        else:
            seed = check_random_state(self.random_state).randint(SEED_MAX)
        if self.estimator is None:
            return _default_estimator(n_features, seed)
        return clone_with_seed(self.estimator, seed)

    @_fit_context(
        # AutoencoderImputer.estimator is not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y=None):
        """Fit the imputer on X.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Input data with missing values; the model is trained on the
            observed entries. A DataFrame may hold columns of any type the
            models accept (numbers, booleans, categories, labels).

        y : Ignored
            Not used, present here for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if self.estimator is not None:
            self._check_sample_posterior(self.estimator)
        if is_polars(X):
            X = to_pandas(X)
        # a fit that raises leaves the imputer as it was, as the models' do
        with undone_on_error(self):
            X, missing = self._validate_input(X, reset=True)
            if self.add_indicator:
                self.indicator_ = MissingIndicator(error_on_new=False)
                self.indicator_.set_output(transform="default").fit(_holes(missing))
            else:
                self.indicator_ = None
            self._empty_features = missing.all(axis=0)
            if self._empty_features.all():
                raise ValueError(
                    "X has no observed value: every feature is missing in every "
                    "row, so there is nothing to learn from."
                )
            kept = ~self._empty_features
            rows = ~missing[:, kept].all(axis=1)
            self._marginal = _marginal(X)
            self._value_kinds = [None] * X.shape[1]
            if is_frame(X):  # how the fills of columns of objects are written
                self._value_kinds = [
                    value_kind(column) if is_label_dtype(column.dtype)
                    else "int" if column.dtype.kind in "iu" else None  # for a batch of objects
                    for _, column in X.items()
                ]
            self.estimator_ = self._make_estimator(int(kept.sum()))
            self.estimator_.fit(_take(X, rows, kept))
        return self

    @lazy(lambda self, X: self._output_meta(X))
    def transform(self, X):
        """Impute all missing values in X.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            The input data to complete. A DataFrame's category columns may
            have other categories than in fit (a subset, another order, more
            unused ones), but no label the model did not see.

        Returns
        -------
        X_imputed : {ndarray, DataFrame} of shape (n_samples, n_features_out)
            X with imputed values (and the missing indicator when
            ``add_indicator=True``). A DataFrame of X's library when X is
            one, with the same index, column names and dtypes (see Notes
            for category columns and ``set_output``).
        """
        check_is_fitted(self)
        self._check_sample_posterior(self.estimator_)
        container = _get_output_config("transform", self)["dense"]
        if is_polars(X):
            out = self._fill(to_pandas(X))
            if container == "pandas":
                return out
            return to_polars(out, output_schema(out, X.schema))
        out = self._fill(X)
        if container == "polars" and is_frame(out) and not in_dask_block():
            return to_polars(out, polars_schema(out))
        return out

    def _fill(self, X):
        """X (an array or a pandas DataFrame) filled, in its own container."""
        frame = X if is_frame(X) else None
        X, missing = self._validate_input(X, reset=False)
        fills = self._impute(X, missing)
        kept = self._kept_features()
        indicator = None
        if self.indicator_ is not None:
            indicator = self.indicator_.transform(_holes(missing))
        if frame is not None:
            names = self.get_feature_names_out()[len(kept) :]
            return frame_like(
                frame, kept, fills, missing, indicator, names, self._fitted_columns()
            )
        X_imputed = np.where(missing, fills, X)[:, kept]
        if indicator is None:
            return X_imputed
        return np.hstack((X_imputed, indicator.astype(X_imputed.dtype)))

    def _fitted_columns(self):
        """A :class:`FittedColumn` per input feature: categories, value kind, emptiness."""
        kinds = getattr(self, "_value_kinds", None) or [None] * self.n_features_in_
        columns = [
            FittedColumn(kind=kind, empty=bool(empty))
            for kind, empty in zip(kinds, self._empty_features)
        ]
        types = getattr(self.estimator_, "column_types_", None)
        categories = getattr(self.estimator_, "categories_", None)
        if types is None or categories is None:  # a model that does not say
            return columns
        for position, name in zip(np.flatnonzero(~self._empty_features), types):
            if name in categories:
                columns[position].categories = list(categories[name])
                columns[position].ordered = types[name] == ORDINAL.name
        return columns

    def _output_meta(self, X):
        """What :meth:`transform` gives for no rows of X, a Dask collection."""
        kept = np.flatnonzero(~self._empty_features | self.keep_empty_features)
        n_indicator = 0 if self.indicator_ is None else len(self.indicator_.features_)
        if not is_frame(X):
            return np.empty((0, kept.size + n_indicator), float_dtype(X))
        empty = np.zeros((0, X.shape[1]))
        indicator = None if self.indicator_ is None else np.zeros((0, n_indicator), bool)
        names = self.get_feature_names_out()[kept.size :]
        return frame_like(
            X._meta, kept, empty, empty.astype(bool), indicator, names,
            self._fitted_columns(),
        )

    def _kept_features(self):
        """Indices of the output features; warns when empty ones are dropped."""
        if self.keep_empty_features or not self._empty_features.any():
            return np.arange(self.n_features_in_)
        empty = _check_feature_names_in(self, None)[self._empty_features]
        warnings.warn(
            f"Skipping features without any observed values: {empty}. At least "
            "one non-missing value is needed for imputation."
        )
        return np.flatnonzero(~self._empty_features)

    def _impute(self, X, missing):
        """Values for every entry of X (used where missing), as X's type.

        The model's completion of the kept features. The features missing
        everywhere in fit (kept with ``keep_empty_features``) get 0 in an
        array; a DataFrame's are left as they are, for :func:`_fill_column`
        to fill as their dtype says.
        """
        kept = ~self._empty_features
        draw = (
            {"sample_posterior": True, "random_state": self.random_state}
            if self.sample_posterior else {}
        )
        holes = missing[:, kept]
        has_hole = holes.any(axis=1)
        empty = holes.all(axis=1) & (not self.sample_posterior)
        # only rows with an entry to fill go through the model (a row's fill
        # depends on its row alone); rows with nothing observed take the
        # marginals, unless drawn; one row at least, for the fills' dtypes
        needed = has_hole & ~empty
        if not needed.any() and X.shape[0]:
            needed[0] = True
        whole = ~has_hole & ~needed
        check = getattr(self.estimator_, "transform", None)
        with warnings.catch_warnings():
            if not is_frame(X) and hasattr(self, "feature_names_in_"):
                # the imputer's own check has said it: once is enough
                warnings.filterwarnings("ignore", message="X does not have valid feature names")
            if whole.any() and check is not None:
                check(_take(X, whole, kept))  # the model's checks of their values, cheaply
            completed = self.estimator_.complete(_take(X, needed, kept), **draw)
        if is_frame(completed) and not is_frame(X):  # fitted on a frame of numbers
            completed = completed.to_numpy(dtype=X.dtype, na_value=np.nan)
        # each row's completion: its own where needed, else any (unused)
        source = np.maximum(np.cumsum(needed) - 1, 0)
        if is_frame(completed):
            fills = X.copy()
            for j, position in enumerate(np.flatnonzero(kept)):
                column = completed.iloc[source, j].set_axis(X.index)
                column[empty] = self._marginal[position]
                fills.isetitem(position, column)
            return fills
        fills = np.zeros(X.shape, dtype=completed.dtype)
        completed = completed[source]
        completed[empty] = np.asarray(self._marginal, dtype=float)[kept]
        fills[:, kept] = completed
        return fills

    def get_feature_names_out(self, input_features=None):
        """Get output feature names for transformation.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input features.

            - If `input_features` is `None`, then `feature_names_in_` is
              used as feature names in. If `feature_names_in_` is not defined,
              then the following input feature names are generated:
              `["x0", "x1", ..., "x(n_features_in_ - 1)"]`.
            - If `input_features` is an array-like, then `input_features` must
              match `feature_names_in_` if `feature_names_in_` is defined.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Transformed feature names.
        """
        check_is_fitted(self, "n_features_in_")
        input_features = _check_feature_names_in(self, input_features)
        names = input_features
        if not self.keep_empty_features:
            names = input_features[~self._empty_features]
        if self.indicator_ is None:
            return names
        indicator_names = self.indicator_.get_feature_names_out(input_features)
        return np.concatenate([names, indicator_names])

    def __getstate__(self):
        # pd.NA as NaN, which it means, and a flag: a saved file (skvae.save)
        # holds plain values only
        state = super().__getstate__()
        if is_pandas_na(self.missing_values):
            state = dict(state, missing_values=np.nan, _missing_values_na=True)
        return state

    def __setstate__(self, state):
        if state.get("_missing_values_na", False):
            import pandas as pd

            state = {k: v for k, v in state.items() if k != "_missing_values_na"}
            state["missing_values"] = pd.NA
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = is_nan(self.missing_values)
        tags.input_tags.categorical = get_tags(
            self._get_estimator()
        ).input_tags.categorical
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
