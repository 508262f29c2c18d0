"""AutoencoderOutlierDetector: outlier detection with calibrated p-values."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._compat import HasMethods, Interval, StrOptions, _fit_context
from ._dask import lazy, refuse_lazy_frame
from ._fitting import undone_on_error
from ._frames import is_frame, is_polars, names_for_model, to_pandas
from ._neighbours import (
    code_rows,
    column_widths,
    contributions,
    fit_coding,
    hide,
    nearest_neighbours,
)
from ._type_rules import heavy_tailed_types
from ._utils import (
    SEED_MAX,
    check_min_samples,
    check_rows_observed,
    clone_with_seed,
    validate_numbers,
)
from ._vae import VAETransformer

# With contamination="auto", a row is an outlier when its conformal p-value
# is at most this level: at most this share of new normal rows is flagged.
AUTO_LEVEL = 0.05
# The share of each batch the model fits: h = 3n/4, the classical choice of
# the Minimum Covariance Determinant (benchmarks/pages/outlier-detection.md,
# "Robust training").
DEFAULT_SUPPORT = 0.75
# The neighbour distance searches at most this many of the rows the model was
# fitted on (a random subset beyond), and the model's scores of at most
# MAX_SCORED of them set its scale.
MAX_REFERENCE = 10_000
MAX_SCORED = 1_000


def _default_estimator():
    """The model used when ``estimator=None``: the VAE at its defaults."""
    return VAETransformer()


def _auto_offset(calibration_scores, level):
    """The score below which a row's conformal p-value is at most ``level``.

    With ``n`` sorted calibration scores ``c_1 <= ... <= c_n`` and
    ``k = floor(level * (n + 1))``, ``p(x) <= level`` exactly when
    ``score(x) < c_k``; when ``k = 0`` no p-value is that small (``-inf``).
    """
    k = _auto_rank(calibration_scores.shape[0], level)
    return calibration_scores[k - 1] if k >= 1 else -np.inf


def _auto_rank(n_cal, level):
    """``k = floor(level * (n_cal + 1))``: the calibration rank of :func:`_auto_offset`."""
    return math.floor(round(level * (n_cal + 1), 9))


def _models_heavy_tails_as_gaussian(estimator):
    """Whether ``estimator`` is a Gaussian VAE left to type its columns itself.

    Its float columns are then Gaussian, which fits a heavy tail badly: the
    detector declares those columns positive (see the class's Notes).
    """
    return (isinstance(estimator, VAETransformer) and estimator.likelihood == "gaussian"
            and estimator.column_types is None)


def _support_fraction(contamination):
    """Share of each batch the model trains on.

    ``DEFAULT_SUPPORT``, or ``1 - contamination`` when that is smaller: a
    model must leave out more than its outliers, as rows of its own
    distribution's tails fit worse than a group of outliers early in
    training (trimming 10% left pendigits' 2.3% of outliers learned).
    """
    if contamination == "auto":
        return DEFAULT_SUPPORT
    return min(DEFAULT_SUPPORT, 1.0 - contamination)


def _rows(X, index):
    """Rows of an array or a DataFrame by position."""
    return X.iloc[index] if is_frame(X) else X[index]


def _centre_and_spread(scores):
    """Median and interquartile range of the finite scores (a robust z-scale).

    The standard deviation when the quartiles tie, 1 when that is 0 too.
    """
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        return 0.0, 1.0
    q1, median, q3 = np.percentile(finite, [25, 50, 75])
    spread = q3 - q1 if q3 > q1 else finite.std()
    return float(median), float(spread) if spread > 0 else 1.0


def _estimator_has_feature_scores(detector):
    estimator = getattr(detector, "estimator_", detector._get_estimator())
    return hasattr(estimator, "score_features")


class AutoencoderOutlierDetector(OutlierMixin, BaseEstimator):
    """Outlier detection from an autoencoder's scores, with calibrated p-values.

    The detector fits a clone of ``estimator`` on part of the training rows
    and scores rows with the model's :meth:`score_samples` beside their
    mean distance to the ``n_neighbors`` nearest of those rows (higher is more
    typical). The other training rows, which neither saw, are scored too:
    their scores calibrate the detector, giving every new row a conformal
    p-value (:meth:`score_pvalues`) and the default threshold.
    :meth:`feature_contributions` says which features make a row abnormal.

    Parameters
    ----------
    estimator : estimator object, default=None
        The model whose ``score_samples`` scores the rows, typically an
        :class:`AutoencoderTransformer` or a :class:`VAETransformer`; any
        estimator with ``fit`` and ``score_samples`` works (for instance
        :class:`~sklearn.mixture.GaussianMixture`); :meth:`feature_contributions`
        needs a ``score_features(X)`` method that gives one score per entry
        (higher is more abnormal), as skvae's models have. It is
        cloned; if its ``random_state`` is None, the clone gets a seed drawn
        from this detector's ``random_state``. None means
        ``VAETransformer()``, whose scores are log-likelihoods.

        When the model is a :class:`VAETransformer` with ``column_types=None``
        and ``likelihood="gaussian"`` (its defaults), the clone models
        the heavy-tailed columns as ``"positive"``: the float columns whose
        training values are non-negative, take more than two values, are
        less than half at their minimum and have a sample skewness above 5
        (see Notes). That is the rule of every estimator for a DataFrame's
        float columns; the detector applies it to arrays too, and prefers
        it to a point mass at 0.

    contamination : "auto" or float, default="auto"
        The threshold on the scores that :meth:`predict` and
        :meth:`decision_function` use, and how robustly the model trains.

        - If "auto", a row is an outlier when its conformal p-value is at
          most 0.05, so at most 5% of new normal rows are flagged (see
          Notes). This needs no guess of the share of outliers.
        - If float, the share of the training rows that falls below the
          threshold, in (0, 0.5].

        Either way the model trains robustly, on the 75% of each batch it
        fits best, or on the ``1 - contamination`` when that is less
        (``support_fraction``), so that it does not learn to reproduce
        outliers among its training rows. The model's
        ``support_fraction`` is set only when it is None (its default); set
        it to 1.0 to train on every row.

    calibration_fraction : float, default=0.2
        Share of the training rows held out from the model's training to
        calibrate its scores (at least one row). More rows give finer
        p-values, fewer leave more rows to train the model on.

    n_neighbors : int or None, default=5
        The mean distance of a row to its ``n_neighbors`` nearest training
        rows (of those the model is fitted on, at most all but one) joins the
        model's score: the score is the mean of the two, each centred on its
        median over the training rows and divided by its interquartile
        range (see Notes). None: the model's score alone.

    random_state : int, RandomState instance or None, default=None
        Controls the choice of the calibration rows and, when the
        estimator's own ``random_state`` is None, the estimator's seed. Pass
        an int for reproducible results.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``, trained on the rows that were not
        held out for calibration.

    calibration_scores_ : ndarray of shape (n_calibration,)
        Scores of the held-out calibration rows, in increasing order.

    offset_ : float
        Offset used to define the decision function from the scores:
        ``decision_function = score_samples - offset_``. With
        ``contamination="auto"`` it is the calibration score below which a
        p-value is at most 0.05 (``-inf`` when there are fewer than 19
        calibration rows, as no p-value can then be that small); with a
        float, the ``contamination`` quantile of the scores of all the
        training rows (the lowest finite score when that quantile falls
        among rows scoring ``-inf``).

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    VAETransformer : The default model; its scores are log-likelihoods.
    AutoencoderTransformer : A model whose scores are minus the
        reconstruction error.
    sklearn.ensemble.IsolationForest : Outlier detection by random
        partitioning.
    sklearn.neighbors.LocalOutlierFactor : Outlier detection by local
        density.
    sklearn.neighbors.NearestNeighbors : The distances to the nearest rows.

    Notes
    -----
    The p-values are split-conformal [1]_ [2]_: with ``n`` calibration
    scores ``c_i``, a row with score ``s`` gets
    ``p = (1 + #{i : c_i <= s}) / (n + 1)``. If the row and the calibration
    rows are exchangeable (drawn from the same distribution as the
    training data), ``P(p <= a) <= a`` for every level ``a``, whatever the
    model and however well it was trained: a threshold on p-values controls
    the share of false alarms. The model is not refitted on the calibration
    rows, which would break this guarantee. When the training data contain
    outliers, the p-values are relative to that contaminated distribution.
    p-values of the rows the model was trained on are not valid (they are
    too large). The method is named :meth:`score_pvalues` because a p-value
    is a calibrated, order-preserving rescaling of :meth:`score_samples`
    (lower is more abnormal), not a prediction of a label.

    The model trains on a trimmed likelihood (``support_fraction``): in
    each batch, only the rows it fits best train its network, so that it
    does not learn to reproduce a group of outliers among its training
    rows [5]_; see the User Guide for what this gains and costs and what it
    means for the p-values.

    A Gaussian on the values of a heavy-tailed column fits their tail with a
    scale far too wide for their bulk, and a row that is abnormal in that
    column hides within it; modelled as positive, ``log1p(x / m)`` is
    Gaussian instead, ``m`` the column's training mean. The rule is for
    likelihoods: an :class:`AutoencoderTransformer` types its columns itself
    (an array's real, a DataFrame's by the rules every estimator uses).
    That density is defined above ``-m``: a new value a little below the
    training minimum (0 or more) is scored by it, not called impossible. A
    value at or below ``-m`` in a positive column, a negative or fractional
    count, a number outside [0, 1] in a binary column, or a label not seen
    in fit, has probability 0 under the model: such a row
    scores ``-inf`` and, in
    :meth:`feature_contributions`, that entry is ``inf`` and the row's other
    entries are explained as if it were missing.

    ``contamination="auto"`` thresholds the p-values at 0.05, the
    conventional level: it states the rate of false alarms on normal data,
    which the user can choose, rather than the share of outliers, which is
    rarely known. ``predict(X) == -1`` exactly where
    ``score_pvalues(X) <= 0.05``. Other levels are one comparison away:
    ``score_pvalues(X) <= level``.

    The model's scores: :class:`AutoencoderTransformer`, minus the mean
    squared reconstruction error of the row in units of each feature's
    training standard deviation [3]_; :class:`VAETransformer`, the
    importance-weighted estimate of ``log p(x)`` [4]_. Rows with missing
    values (NaN) are scored on their observed part.

    With ``n_neighbors`` (the default), a row's score is
    ``(z_model + z_distance) / 2``: ``z_model`` is the model's score minus
    its median over up to 1,000 of the model's training rows (with a float
    ``contamination``, the up to 10,000 the search draws from), divided by
    their interquartile range; ``z_distance`` is minus the row's mean
    Euclidean distance to its ``n_neighbors`` nearest training rows of the
    model, in the same units against the training rows' own such distances
    (each without itself), as PyOD's ``KNN(method="mean")`` [6]_ scores a
    row. The distance is
    taken over the columns as the model takes them (its ``column_types_``),
    standardised on those rows: categorical columns one-hot over the
    model's classes, with a mismatch counting as one standard deviation,
    ordinal ones by their levels, the others as numbers; the coordinates
    missing in either row are left out (scikit-learn's ``nan_euclidean``).
    A row that shares no observed column with ``n_neighbors`` of the
    training rows has no such distance: its ``z_distance`` is 0. A density is low
    for a row its model does not reproduce; a distance is large for a row
    far from every training row, also where the model's density reaches
    (between two groups of normal rows, in a rare group that the trimmed
    training leaves out). Both scales come from the model's training rows,
    so the calibration rows are scored as new rows and the p-values keep
    their guarantee. The search keeps up to 10,000 of the model's training
    rows, coded, drawn at random beyond that (they are saved with the
    detector); with a float ``contamination``, less the share of them the
    model scores lowest, so that the rows taken for outliers are no row's
    neighbours.

    In a :class:`~sklearn.pipeline.Pipeline`, ``predict``,
    ``decision_function`` and ``score_samples`` are available on the
    pipeline; :meth:`score_pvalues` and :meth:`feature_contributions` are
    called on the last step with the transformed data,
    ``pipe[-1].score_pvalues(pipe[:-1].transform(X))``.

    References
    ----------
    .. [1] Vovk, V., Gammerman, A. and Shafer, G. (2005). Algorithmic
       Learning in a Random World. Springer.
    .. [2] Bates, S., Candès, E., Lei, L., Romano, Y. and Sesia, M. (2023).
       Testing for outliers with conformal p-values. The Annals of
       Statistics, 51(1), 149-178.
    .. [3] Sakurada, M. and Yairi, T. (2014). Anomaly detection using
       autoencoders with nonlinear dimensionality reduction. MLSDA
       Workshop.
    .. [4] An, J. and Cho, S. (2015). Variational autoencoder based anomaly
       detection using reconstruction probability. SNU Data Mining Center,
       Special Lecture on IE, 2(1).
    .. [5] Rousseeuw, P. J. and Van Driessen, K. (1999). A fast algorithm
       for the minimum covariance determinant estimator. Technometrics,
       41(3), 212-223.
    .. [6] Angiulli, F. and Pizzuti, C. (2002). Fast outlier detection in
       high dimensional spaces. Principles of Data Mining and Knowledge
       Discovery (PKDD), 15-27.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae import AutoencoderOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(500, 4))
    >>> detector = AutoencoderOutlierDetector(random_state=0).fit(X)
    >>> detector.calibration_scores_.shape
    (100,)
    >>> detector.predict([[0.0, 0.0, 0.0, 0.0], [6.0, -6.0, 6.0, -6.0]])
    array([ 1, -1])
    >>> detector.score_pvalues([[6.0, -6.0, 6.0, -6.0]])
    array([0.00990099])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "calibration_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        contamination="auto",
        calibration_fraction=0.2,
        n_neighbors=5,
        random_state=None,
    ):
        self.estimator = estimator
        self.contamination = contamination
        self.calibration_fraction = calibration_fraction
        self.n_neighbors = n_neighbors
        self.random_state = random_state

    def _get_estimator(self):
        return _default_estimator() if self.estimator is None else self.estimator

    def _validate_X(self, X, *, reset):
        """A float array, or a DataFrame kept whole for a model that codes it.

        A model whose ``input_tags.categorical`` tag is set (skvae's models
        type a DataFrame's columns from their dtypes, and take
        ``column_types`` by column name) gets it whole, numeric or not.
        Other estimators get a float array of a numeric DataFrame. Columns
        named when fit's were not reach the model numbered, so that only the
        detector warns of the names.
        """
        refuse_lazy_frame(X, type(self).__name__)
        if is_polars(X):
            X = to_pandas(X)
        coded = get_tags(self._get_estimator()).input_tags.categorical
        if is_frame(X) and (
            coded or not all(d.kind in "iuf" for d in X.dtypes)
        ):
            validate_data(self, X, reset=reset, skip_check_array=True)
            check_min_samples(X, 3 if reset else 1, type(self).__name__)
            X = names_for_model(self, X, reset)
            return X
        X = validate_numbers(self, X, reset=reset, ensure_all_finite="allow-nan",
                             ensure_min_samples=3 if reset else 1)
        if coded and not reset and hasattr(self, "feature_names_in_"):
            # the model was fitted on the DataFrame: the detector has just
            # warned of the missing names, the model would warn again
            import pandas as pd

            X = pd.DataFrame(X, columns=self.feature_names_in_)
        return X

    def _split(self, n_samples, rng):
        """Row indices to fit the model on and to calibrate it with."""
        n_cal = math.ceil(self.calibration_fraction * n_samples)
        if n_samples - n_cal < 2:
            raise ValueError(
                f"calibration_fraction={self.calibration_fraction} leaves "
                f"{n_samples - n_cal} row(s) to fit the model with n_samples="
                f"{n_samples}; at least 2 are needed. Use more samples or a "
                "smaller calibration_fraction."
            )
        order = rng.permutation(n_samples)
        return order[n_cal:], order[:n_cal]

    @_fit_context(
        # the estimator's parameters are validated by its own fit
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y=None):
        """Fit the model on part of X and calibrate it on the rest.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data, normal rows (semi-supervised use) or rows that
            contain some outliers. NaN marks missing entries. A pandas or
            polars DataFrame reaches skvae's models whole: they type its
            columns from their dtypes and ``column_types`` names them.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        # a fit that raises leaves the detector as it was, as the models' do
        with undone_on_error(self):
            X = self._validate_X(X, reset=True)
            check_rows_observed(X)  # here, to name the user's row, not a split's
            rng = check_random_state(self.random_state)
            fit_idx, cal_idx = self._split(X.shape[0], rng)
            estimator = clone_with_seed(self._get_estimator(), rng.randint(SEED_MAX))
            if estimator.get_params().get("support_fraction", 1) is None:
                estimator.set_params(support_fraction=_support_fraction(self.contamination))
            if _models_heavy_tails_as_gaussian(estimator):
                heavy_tailed = heavy_tailed_types(_rows(X, fit_idx))
                if heavy_tailed:
                    estimator.set_params(column_types=heavy_tailed)
            self.estimator_ = estimator.fit(_rows(X, fit_idx))
            self._fit_neighbours(X, fit_idx, rng)
            if self.contamination == "auto":
                self.calibration_scores_ = np.sort(self._score_samples(_rows(X, cal_idx)))
                self.offset_ = _auto_offset(self.calibration_scores_, AUTO_LEVEL)
            else:  # as predict(X) will score them, so that it flags that share
                scores = self._score_samples(X)
                self.calibration_scores_ = np.sort(scores[cal_idx])
                with np.errstate(invalid="ignore"):
                    self.offset_ = np.percentile(scores, 100.0 * self.contamination)
                if not np.isfinite(self.offset_):  # among rows of probability 0
                    finite = scores[np.isfinite(scores)]
                    self.offset_ = finite.min() if finite.size else -np.inf
            if self.offset_ == -np.inf:
                warnings.warn(self._no_flag_reason(cal_idx.size), UserWarning)
        return self

    def _no_flag_reason(self, n_cal):
        """Why no row can be flagged: too few calibration rows, or too many
        of them at probability 0 under the model."""
        impossible = int(np.isneginf(self.calibration_scores_).sum())
        if _auto_rank(n_cal, AUTO_LEVEL) >= 1 and impossible:
            return (
                f"{impossible} of the {n_cal} calibration rows have probability 0 "
                "under the model (values it cannot hold, such as labels or "
                "numbers outside what its training rows showed), so no row can "
                f"have a p-value as low as {AUTO_LEVEL} and contamination='auto' "
                "flags none. Drop columns of identifiers, give label columns a "
                "category dtype that lists every label, or use a float "
                "contamination."
            )
        return (
            f"With {n_cal} calibration rows no p-value can be as low as "
            f"{AUTO_LEVEL}, so contamination='auto' flags no row. Use more "
            "samples, a larger calibration_fraction or a float contamination."
        )

    def _fit_neighbours(self, X, fit_idx, rng):
        """Set ``_neighbours``, the state of the neighbour distance (None without).

        The reference rows are the model's fitting rows (at most
        ``MAX_REFERENCE`` of them, drawn at random), less, with a float
        ``contamination``, that share of them that the model scores lowest;
        they are coded by :func:`._neighbours.fit_coding`. The scales of
        both scores come from the fitting rows, never from the calibration
        rows, so that the score of a calibration row is that of a new row.
        """
        self._neighbours = None
        if self.n_neighbors is None:
            return
        reference = fit_idx
        if fit_idx.size > MAX_REFERENCE:
            reference = np.sort(rng.choice(fit_idx, MAX_REFERENCE, replace=False))
        if self.contamination == "auto":
            model = self._model_scores(_rows(X, fit_idx[:MAX_SCORED]))
        else:  # the rows taken for outliers are no one's neighbours
            model = self._model_scores(_rows(X, reference))
            # two rows at least, each the other's neighbour
            n_left_out = min(math.floor(self.contamination * reference.size),
                             reference.size - 2)
            reference = np.sort(reference[np.argsort(model, kind="stable")[n_left_out:]])
        coding = fit_coding(_rows(X, fit_idx), getattr(self.estimator_, "column_types_", None),
                            getattr(self.estimator_, "categories_", None))
        rows = code_rows(_rows(X, reference), coding)
        k = min(self.n_neighbors, rows.shape[0] - 1)
        own, _ = nearest_neighbours(rows, rows, k, leave_self_out=True)
        self._neighbours = {
            "coding": coding, "rows": rows.astype(np.float32), "k": k, "mean": True,
            "model": _centre_and_spread(model),
            "distance": _centre_and_spread(-own.mean(axis=1)),
        }

    def _model_scores(self, X):
        """The model's scores (skvae's: ``-inf`` for a row outside its support)."""
        return np.asarray(self.estimator_.score_samples(X), dtype=np.float64)

    def _search(self, X, hidden=None):
        """X's coded rows, and the distances to and indices of the reference
        rows whose mean distance is the row's: its k nearest, or the k-th
        alone in a detector saved before the mean (its scale is that one's).
        The ``hidden`` entries, a boolean mask of X's, count as missing."""
        state = self._neighbours
        rows = code_rows(X, state["coding"])
        if hidden is not None and hidden.any():
            rows = hide(rows, hidden, column_widths(state["coding"]))
        distances, index = nearest_neighbours(rows, state["rows"].astype(np.float64), state["k"])
        if not state.get("mean", False):
            distances, index = distances[:, -1:], index[:, -1:]
        return rows, distances, index

    def _score_samples(self, X):
        """The scores of :meth:`score_samples`."""
        model = self._model_scores(X)
        if getattr(self, "_neighbours", None) is None:  # also a detector saved before them
            return model
        _, distances, _ = self._search(X)
        (model_centre, model_spread), (centre, spread) = (
            self._neighbours["model"], self._neighbours["distance"])
        # a row with no value in common with the reference rows: no evidence
        near = np.nan_to_num((-distances.mean(axis=1) - centre) / spread, nan=0.0)
        return 0.5 * ((model - model_centre) / model_spread + near)

    @lazy(lambda self, X: np.empty(0))
    def score_samples(self, X):
        """Score of each row: the lower, the more abnormal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to score; those with NaN are scored on their observed
            part.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The mean of the model's score and minus the mean distance to
            the ``n_neighbors`` nearest training rows, each in units of its
            spread over the training rows (see Notes); with
            ``n_neighbors=None``, the model's :meth:`score_samples`: minus
            the reconstruction error (:class:`AutoencoderTransformer`) or
            ``log p(x)`` (:class:`VAETransformer`). ``-inf`` for a row with a
            value the model gives probability 0: a label not seen in fit, a
            number outside [0, 1] in a binary column, a negative or
            fractional count, or a value at or below ``-m`` in a column
            modelled as positive (see Notes).
        """
        check_is_fitted(self)
        return self._score_samples(self._validate_X(X, reset=False))

    @lazy(lambda self, X: np.empty(0))
    def decision_function(self, X):
        """Shifted score: negative for outliers, non-negative for inliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.
        """
        scores = self.score_samples(X)
        # -inf scores with an offset of -inf: no row is below it
        with np.errstate(invalid="ignore"):
            return np.where(scores == self.offset_, 0.0, scores - self.offset_)

    @lazy(lambda self, X: np.empty(0, dtype=int))
    def predict(self, X):
        """Predict whether each row is an outlier (-1) or an inlier (+1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to label.

        Returns
        -------
        is_inlier : ndarray of shape (n_samples,)
            -1 where ``decision_function(X) < 0``, else +1.
        """
        decision = self.decision_function(X)
        is_inlier = np.ones(decision.shape[0], dtype=int)
        is_inlier[decision < 0] = -1
        return is_inlier

    @lazy(lambda self, X: np.empty(0))
    def score_pvalues(self, X):
        """Conformal p-value of each row against the calibration rows.

        Small p-values mark rows that score lower than almost every held-out
        training row. For a new row drawn like the training rows,
        ``P(p <= a) <= a`` for every level ``a`` (see Notes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to test; not rows the model was trained on.

        Returns
        -------
        pvalues : ndarray of shape (n_samples,)
            ``(1 + #{calibration scores <= score}) / (n_calibration + 1)``,
            in ``[1 / (n_calibration + 1), 1]``.
        """
        scores = self.score_samples(X)
        below = np.searchsorted(self.calibration_scores_, scores, side="right")
        return (1.0 + below) / (self.calibration_scores_.shape[0] + 1.0)

    @available_if(_estimator_has_feature_scores)
    @lazy(lambda self, X: _contributions_meta(X, self.n_features_in_))
    def feature_contributions(self, X):
        """How much each feature adds to each row's abnormality.

        Higher is more abnormal; missing entries contribute 0. The model's
        part depends on the model:

        - :class:`AutoencoderTransformer`: the squared reconstruction error
          of the entry, in units of the feature's training standard
          deviation, divided by the row's number of observed features. A
          row's contributions sum to minus the model's score.
        - :class:`VAETransformer`: the negative log-likelihood of the
          standardised entry, ``-log p(x_j | z)`` in nats, averaged over
          the importance samples of ``score_samples`` with their
          self-normalised weights (an estimate of its posterior
          expectation). A row's contributions sum to the reconstruction
          part of ``-log p(x)``; the latent part ``KL(p(z | x) || p(z))``
          and the standardisation's Jacobian belong to no feature. With the
          Gaussian likelihood a contribution can be negative.

        With ``n_neighbors=None`` these are the contributions. With
        ``n_neighbors`` (the default), each feature's contribution is the
        mean of the model's, divided by the spread of the model's scores,
        and its share of the mean distance to the ``n_neighbors`` nearest
        training rows (its squared difference to each of them, summed over a
        category's one-hot columns, over that distance, averaged over the
        neighbours), divided by the
        spread of the distances: with the autoencoder a row's contributions
        sum to ``-score_samples`` up to a constant, with the VAE up to its
        latent part too (a row without a distance, see Notes, has the
        model's part only).

        A value the model gives probability 0 (a label not seen in fit, a
        number outside [0, 1] in a binary column, a negative or fractional
        count, a value at or below ``-m`` in a column modelled as positive;
        see Notes)
        contributes ``inf``; the row's other entries are then explained as
        if it were missing, by the model and by the distance.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to explain; NaN marks missing entries.

        Returns
        -------
        contributions : ndarray or DataFrame of shape (n_samples, n_features)
            A pandas DataFrame with the index and columns of X when X is
            one, a polars DataFrame with its columns when X is one, else an
            ndarray.
        """
        check_is_fitted(self)
        X_valid = self._validate_X(X, reset=False)
        values = self.estimator_.score_features(X_valid)
        if getattr(self, "_neighbours", None) is not None:
            state = self._neighbours
            # an entry of probability 0 is left out of the distance too
            rows, distances, index = self._search(X_valid, np.isposinf(values))
            shares = contributions(rows, state["rows"], index, distances,
                                   column_widths(state["coding"]))
            with np.errstate(over="ignore"):  # a value near float64's end: inf
                values = 0.5 * (values / state["model"][1] + shares / state["distance"][1])
        if is_polars(X):
            import polars as pl

            return pl.DataFrame(values, schema=list(X.columns), orient="row")
        if is_frame(X):
            import pandas as pd

            return pd.DataFrame(values, index=X.index, columns=X.columns)
        return values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        estimator_tags = get_tags(self._get_estimator()).input_tags
        tags.input_tags.allow_nan = estimator_tags.allow_nan
        tags.input_tags.categorical = estimator_tags.categorical
        return tags


def _contributions_meta(X, n_features):
    """What ``feature_contributions`` gives for no rows of X."""
    if is_frame(X):
        import pandas as pd

        return pd.DataFrame(np.empty((0, n_features)), columns=X.columns)
    return np.empty((0, n_features))
