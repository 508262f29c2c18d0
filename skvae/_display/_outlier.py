"""OutlierDisplay: scores, p-values and feature contributions of a detector."""

import numpy as np
from sklearn.utils import check_consistent_length
from sklearn.utils.validation import check_is_fitted

from .._frames import is_polars
from ._plotting import (
    _axes_grid,
    _check_matplotlib_support,
    _check_positive_int,
    _fit_tick_labels,
    _legend_outside,
    _style,
    _wrap,
)

# Scores are drawn over Tukey's far-out fences, this many interquartile
# ranges beyond the quartiles (widened to show the offset), in this many bins.
_FENCE = 3.0
_N_BINS = 30


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


def _score_range(scores, offset):
    """The range of the score histogram: the bulk of the scores and the offset.

    A few extreme scores would squeeze every other row into one bar: the
    range stops at the fences ``Q1 - 3 IQR`` and ``Q3 + 3 IQR`` (or at the
    extreme scores when they are nearer), and always holds the offset.
    """
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        return offset - 0.5, offset + 0.5
    low, high = finite.min(), finite.max()
    q1, q3 = np.percentile(finite, [25, 75])
    if q3 > q1:
        low = max(low, q1 - _FENCE * (q3 - q1))
        high = min(high, q3 + _FENCE * (q3 - q1))
    low, high = min(low, offset), max(high, offset)
    if high - low <= 1e-12 * max(1.0, abs(low), abs(high)):
        half = 0.5 * max(1.0, abs(low))
        low, high = low - half, high + half
    return float(low), float(high)


class OutlierDisplay:
    """Outlier detection visualization.

    Up to three panels: the distribution of the scores with the threshold
    `offset_` (rows left of it are outliers), the distribution of the
    conformal p-values, and the contributions of the features to the
    abnormality of chosen rows.

    The score histogram spans the bulk of the scores, so that a few extreme
    rows do not squeeze all others into one bar: it stops at Tukey's
    far-out fences ``Q1 - 3 IQR`` and ``Q3 + 3 IQR`` of the scores (or at
    the extreme scores, when nearer), widened to show `offset`. Rows
    beyond it are counted in a hatched bar at that end, and the x-axis label
    says how many there are and how far they go. The legends go above the
    panels; on axes of a figure without a layout engine (see
    :ref:`visualizations`), which would cut them off there, they go inside.

    It is recommended to use
    :func:`~skvae.OutlierDisplay.from_estimator` to create an
    :class:`OutlierDisplay`. All parameters are stored as attributes.

    Parameters
    ----------
    scores : ndarray of shape (n_samples,)
        Score of each row, lower for more abnormal rows, e.g. from
        ``score_samples``.

    offset : float
        Threshold on the scores: rows that score below it are outliers.

    pvalues : ndarray of shape (n_samples,), default=None
        The p-value of each row, e.g. from ``score_pvalues``. If `None`, the
        panel is left out.

    contributions : ndarray of shape (n_rows, n_features), default=None
        Contribution of each feature to the abnormality of each chosen row
        (higher is more abnormal), e.g. from ``feature_contributions``. If
        `None`, the panel is left out.

    row_labels : array-like of shape (n_rows,), default=None
        Label of each chosen row. If `None`, ``0, 1, ...``.

    feature_names : array-like of str of shape (n_features,), default=None
        Name of each feature. If `None`, ``x0, x1, ...``.

    name : str, default=None
        Name of the detector, shown in the labels. If `None`, none is shown.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        The panels, in the order scores, p-values, contributions.

    bounding_ax_ : matplotlib Axes or None
        The axes split into the panels when `ax` is one axes; `None` when
        `ax` is `None` or an array of axes.

    score_bars_ : list of matplotlib Artists
        Histogram bars of the scores of the inliers and of the outliers.
        Their first (last) bar, hatched, counts the rows below (above)
        `score_range_` when there are any.

    score_range_ : tuple of float
        The scores covered by the histogram bins, lowest and highest.

    offset_line_ : matplotlib Artist
        Vertical line at `offset`.

    pvalue_bars_ : list of matplotlib Artists or None
        Histogram bars of the p-values of the inliers and of the outliers.
        `None` without p-values.

    contributions_image_ : matplotlib Artist or None
        Heat map of the contributions. `None` without contributions.

    colorbar_ : matplotlib Colorbar or None
        Colour bar of the heat map. `None` without contributions.

    figure_ : matplotlib Figure
        Figure containing the panels.

    See Also
    --------
    AutoencoderOutlierDetector : The detector whose results are shown.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skvae import OutlierDisplay
    >>> scores = np.random.RandomState(0).normal(size=100)
    >>> display = OutlierDisplay(scores=scores, offset=-1.5).plot()
    >>> len(display.axes_)
    1
    >>> plt.show()
    """

    def __init__(self, *, scores, offset, pvalues=None, contributions=None,
                 row_labels=None, feature_names=None, name=None):
        self.scores = scores
        self.offset = offset
        self.pvalues = pvalues
        self.contributions = contributions
        self.row_labels = row_labels
        self.feature_names = feature_names
        self.name = name

    def plot(self, ax=None, *, name=None, max_features=10, imshow_kw=None):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of matplotlib Axes, default=None
            - If a single axes is passed, it is split into the panels.
            - If an array-like of axes is passed, it must hold one axes per
              panel.
            - If `None`, a new figure with the panels is created.

        name : str, default=None
            Name of the detector in the labels. If `None`, the `name` given
            at construction is used.

        max_features : int, default=10
            Number of features in the contributions panel: those with the
            largest total contribution over the chosen rows, largest first.

        imshow_kw : dict, default=None
            Keyword arguments passed to matplotlib's `imshow` for the
            contributions.

        Returns
        -------
        display : :class:`~skvae.OutlierDisplay`
            Object that stores computed values.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        _check_positive_int(max_features, "max_features")
        scores = np.asarray(self.scores, dtype=float)
        outlier = scores < self.offset
        n_panels = 1 + (self.pvalues is not None) + (self.contributions is not None)
        axes, self.bounding_ax_, self.figure_ = _axes_grid(
            ax, n_panels, n_panels, (4.2, 3.4)
        )
        self.axes_ = axes = axes.ravel()
        name = self.name if name is None else name

        self._plot_scores(axes[0], scores, outlier, name)
        self.pvalue_bars_ = None
        if self.pvalues is not None:
            pvalues = np.asarray(self.pvalues, dtype=float)
            check_consistent_length(scores, pvalues)
            bins = np.linspace(0.0, 1.0, 21)
            self.pvalue_bars_ = self._histograms(axes[1], pvalues, outlier, bins)
            uniform = axes[1].axhline(scores.size / 20, color="grey",
                                      linestyle=":", label="uniform")
            axes[1].set(xlabel="p-value", ylabel="rows", xlim=(0, 1))
            _legend_outside(axes[1], self._legend_handles() + [uniform],
                            side="top")

        self.contributions_image_ = self.colorbar_ = None
        if self.contributions is not None:
            self._plot_contributions(axes[-1], max_features, imshow_kw)
        return self

    def _plot_scores(self, axis, scores, outlier, name):
        from matplotlib.ticker import MaxNLocator

        low, high = self.score_range_ = _score_range(scores, self.offset)
        bins = np.linspace(low, high, _N_BINS + 1)
        width = bins[1] - bins[0]
        below, above = scores < low, scores > high  # infinite scores included
        n_below, n_above = int(below.sum()), int(above.sum())
        # rows beyond the range fall in one more bin at that end
        values = scores.copy()
        values[below] = low - width / 2
        values[above] = high + width / 2
        bins = np.r_[[low - width] * bool(n_below), bins,
                     [high + width] * bool(n_above)]
        self.score_bars_ = self._histograms(axis, values, outlier, bins)
        for bars in self.score_bars_:
            ends = [bars[0]] * bool(n_below) + [bars[-1]] * bool(n_above)
            for bar in ends:
                bar.set(hatch="///", edgecolor="k", linewidth=0.5)
        self.offset_line_ = axis.axvline(
            self.offset, color="k", linestyle="--", label="offset_"
        )
        # few ticks: scores with many digits have wide labels
        axis.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        xlabel = "score" if name is None else _wrap(f"score of {name}", 36)
        # short lines: the label must fit under a narrow panel
        if n_below:
            xlabel += (f"\nhatched: {_rows(n_below)} below {low:.4g}"
                       f"\n(lowest {scores[below].min():.4g})")
        if n_above:
            xlabel += (f"\nhatched: {_rows(n_above)} above {high:.4g}"
                       f"\n(highest {scores[above].max():.4g})")
        n_missing = int(np.isnan(scores).sum())
        if n_missing:
            xlabel += f"\n{_rows(n_missing)} without a score\n(NaN) not shown"
        axis.set(xlabel=xlabel, ylabel="rows")
        _legend_outside(axis, self._legend_handles() + [self.offset_line_],
                        side="top")

    @staticmethod
    def _legend_handles():
        """Plain swatches of the inliers and the outliers (bars may be hatched)."""
        from matplotlib.patches import Patch

        return [Patch(color=color, alpha=0.7, label=label)
                for label, color in (("inliers", "C0"), ("outliers", "C3"))]

    @staticmethod
    def _histograms(axis, values, outlier, bins):
        bars = []
        groups = ((~outlier, "inliers", "C0"), (outlier, "outliers", "C3"))
        for mask, label, color in groups:
            *_, patches = axis.hist(
                values[mask], bins=bins, label=label, color=color, alpha=0.7
            )
            bars.append(patches)
        return bars

    def _plot_contributions(self, axis, max_features, imshow_kw):
        contributions = np.asarray(self.contributions, dtype=float)
        if contributions.ndim != 2:
            raise ValueError(
                f"contributions must be a 2-D array, got shape {contributions.shape}."
            )
        n_rows, n_features = contributions.shape
        names = (
            [f"x{j}" for j in range(n_features)]
            if self.feature_names is None
            else [str(f) for f in self.feature_names]
        )
        rows = range(n_rows) if self.row_labels is None else self.row_labels
        top = np.argsort(-contributions.sum(axis=0), kind="stable")[:max_features]
        kw = _style({"cmap": "Reds", "aspect": "auto"}, imshow_kw)
        self.contributions_image_ = axis.imshow(contributions[:, top], **kw)
        axis.set_xticks(np.arange(top.size), [names[j] for j in top], rotation=90)
        axis.set_yticks(np.arange(n_rows), [str(r) for r in rows])
        axis.set(xlabel="feature", ylabel="row")
        self.colorbar_ = self.figure_.colorbar(
            self.contributions_image_, ax=axis, label="contribution"
        )
        _fit_tick_labels([(axis, "x"), (axis, "y")])

    @classmethod
    def from_estimator(cls, estimator, X, *, rows=None, n_rows=5, name=None, ax=None,
                       max_features=10, imshow_kw=None):
        """Plot the scores, p-values and contributions of a fitted detector.

        Parameters
        ----------
        estimator : estimator instance
            A fitted outlier detector with `score_samples` and `offset_`,
            such as :class:`~skvae.AutoencoderOutlierDetector` or
            :class:`~sklearn.ensemble.IsolationForest`. Its `score_pvalues`
            and `feature_contributions`, when it has them, give the other
            two panels.

        X : array-like of shape (n_samples, n_features)
            Data to score; not the training rows, whose p-values are not
            valid.

        rows : array-like of int, default=None
            Positions in X of the rows whose contributions are shown. If
            `None`, the `n_rows` rows with the lowest scores (the most
            abnormal first).

        n_rows : int, default=5
            Number of rows shown when `rows` is `None`.

        name : str, default=None
            Name of the detector in the labels. If `None`, the name of its
            class.

        ax : matplotlib Axes or array-like of matplotlib Axes, default=None
            Where to plot; see :meth:`plot`.

        max_features : int, default=10
            Number of features in the contributions panel: those with the
            largest total contribution over the chosen rows, largest first.

        imshow_kw : dict, default=None
            Keyword arguments passed to matplotlib's `imshow` for the
            contributions.

        Returns
        -------
        display : :class:`~skvae.OutlierDisplay`
            Object that stores computed values.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from skvae import (AutoencoderOutlierDetector, AutoencoderTransformer,
        ...                    OutlierDisplay)
        >>> X = np.random.RandomState(0).normal(size=(100, 4))
        >>> ae = AutoencoderTransformer(hidden_layer_sizes=(8,), max_iter=5)
        >>> detector = AutoencoderOutlierDetector(ae, contamination=0.1).fit(X)
        >>> display = OutlierDisplay.from_estimator(detector, X[:20])
        >>> display.contributions.shape
        (5, 4)
        >>> plt.show()
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        if not hasattr(estimator, "score_samples") or not hasattr(estimator, "offset_"):
            raise TypeError(
                f"{type(estimator).__name__} is not an outlier detector with "
                "score_samples and offset_."
            )
        scores = np.asarray(estimator.score_samples(X), dtype=float)
        if rows is None:
            _check_positive_int(n_rows, "n_rows")
            rows = np.argsort(scores, kind="stable")[:n_rows]
        rows = np.asarray(rows)
        if rows.ndim != 1 or rows.dtype.kind not in "iu" or rows.size == 0 or (
            rows.min() < 0 or rows.max() >= scores.size
        ):
            raise ValueError(
                f"rows must be positions of rows of X, in [0, {scores.size}), "
                f"got {rows!r}."
            )
        pvalues = contributions = None
        if hasattr(estimator, "score_pvalues"):
            pvalues = estimator.score_pvalues(X)
        if hasattr(estimator, "feature_contributions"):
            if hasattr(X, "iloc"):
                X_rows = X.iloc[rows]
            elif is_polars(X):  # its columns and dtypes, as the detector was fitted on
                X_rows = X[rows]
            else:
                X_rows = np.asarray(X)[rows]
            contributions = np.asarray(estimator.feature_contributions(X_rows))
        display = cls(
            scores=scores,
            offset=float(estimator.offset_),
            pvalues=pvalues,
            contributions=contributions,
            row_labels=list(X.index[rows]) if hasattr(X, "index") else rows.tolist(),
            feature_names=list(X.columns) if hasattr(X, "columns") else None,
            name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, max_features=max_features, imshow_kw=imshow_kw)
