"""LatentSpaceDisplay: latent codes coloured by a label or a value."""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import check_consistent_length
from sklearn.utils.multiclass import type_of_target

from ._plotting import (
    _check_matplotlib_support,
    _fit_tick_labels,
    _fitted_model,
    _legend_outside,
    _model_input,
    _new_axes,
    _shorten,
    _style,
    _wrap,
)

# Label sets with at most this many distinct values get one colour each.
_MAX_CATEGORIES = 20
# Legend and tick labels are wrapped on lines of this many characters, and
# the legend has one column per this many classes.
_LABEL_WIDTH = 24
_LEGEND_ROWS = 15


def _is_categorical(y):
    """Whether labels ``y`` are shown with one colour per value."""
    y = np.asarray(y)
    if y.dtype.kind not in "iufb":
        return True  # labels (strings, categories), missing ones included
    if y.dtype.kind == "f":
        y = y[~np.isnan(y)]  # missing values, drawn grey
    if not y.size or type_of_target(y) not in ("binary", "multiclass"):
        return False
    return np.unique(y).size <= _MAX_CATEGORIES


def _series_name(y):
    """The name of a pandas or polars Series ``y``, else None."""
    name = getattr(y, "name", None)
    return None if name is None else str(name)


def _label_strings(y):
    """Labels as strings, with missing ones (NaN, None, pd.NA) as "(missing)"."""
    import pandas as pd

    values = np.asarray(y, dtype=object)
    return np.where(pd.isna(values), "(missing)", values).astype(str)


class LatentSpaceDisplay:
    """Latent space visualization.

    A scatter plot of latent codes, coloured by a label or a value per row:
    one colour per class for categorical labels, a colour map for continuous
    values. One-dimensional codes are shown as a strip, one row per class.
    The legend of the classes goes to the right of the axes, their labels
    wrapped on lines of about 24 characters (cut to 24 characters on the
    strip of one-dimensional codes); on axes of a figure without a
    layout engine (see :ref:`visualizations`), which would cut it off there,
    it goes inside.

    It is recommended to use
    :func:`~skvae.LatentSpaceDisplay.from_estimator` to create a
    :class:`LatentSpaceDisplay`. All parameters are stored as attributes.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, 2) or (n_samples, 1)
        Codes to show, one row per sample.

    y : array-like of shape (n_samples,), default=None
        Label or value of each sample, used for the colours. Binary and
        multiclass labels (see :func:`~sklearn.utils.multiclass.type_of_target`)
        with at most 20 classes, or of a non-numeric type, are categorical;
        other values are continuous, a missing value (NaN) drawn grey. If
        `None`, all points have one colour.
        The name of a pandas or polars Series titles the legend or labels
        the colour bar.

    axis_labels : list of str, default=None
        Labels of the axes. If `None`, ``["latent 1", "latent 2"]``.

    name : str, default=None
        Name of the model, shown as the title. If `None`, no title is shown.

    Attributes
    ----------
    scatter_ : matplotlib Artist
        The points.

    colorbar_ : matplotlib Colorbar or None
        Colour bar of continuous values. `None` otherwise.

    legend_ : matplotlib Legend or None
        Legend of the classes of 2-D codes. `None` otherwise.

    ax_ : matplotlib Axes
        Axes with the scatter plot.

    figure_ : matplotlib Figure
        Figure containing the scatter plot.

    See Also
    --------
    ReconstructionDisplay : Data against their reconstructions.
    TrainingHistoryDisplay : Training loss and validation score per epoch.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skvae import LatentSpaceDisplay
    >>> codes = np.random.RandomState(0).normal(size=(30, 2))
    >>> display = LatentSpaceDisplay(codes=codes, y=np.arange(30) % 3).plot()
    >>> plt.show()
    """

    def __init__(self, *, codes, y=None, axis_labels=None, name=None):
        self.codes = codes
        self.y = y
        self.axis_labels = axis_labels
        self.name = name

    def plot(self, ax=None, *, name=None, scatter_kw=None):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created, with constrained layout.

        name : str, default=None
            Title of the plot. If `None`, the `name` given at construction
            is used; if that is `None` too, no title is shown.

        scatter_kw : dict, default=None
            Keyword arguments passed to matplotlib's `scatter`.

        Returns
        -------
        display : :class:`~skvae.LatentSpaceDisplay`
            Object that stores computed values.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        codes = np.asarray(self.codes, dtype=float)
        codes = codes.reshape(-1, 1) if codes.ndim == 1 else codes
        if codes.ndim != 2 or codes.shape[1] not in (1, 2):
            raise ValueError(
                f"codes must have 1 or 2 columns, got shape {codes.shape}; "
                "from_estimator projects wider codes on two principal components."
            )
        if self.y is not None:
            if np.ndim(self.y) != 1:
                raise ValueError(
                    "y must be 1-D, one value per row of codes, got shape "
                    f"{np.shape(self.y)}."
                )
            check_consistent_length(codes, self.y)
        if ax is None:
            ax = _new_axes()
        self.ax_, self.figure_ = ax, ax.figure
        self.colorbar_ = self.legend_ = None

        kw = {"s": 8}
        categorical = self.y is not None and _is_categorical(self.y)
        if categorical:
            labels = self.y if np.asarray(self.y).dtype.kind in "iufb" else (
                _label_strings(self.y)
            )
            classes, level = np.unique(labels, return_inverse=True)
            # one colour per class, cycling through 10 or 20 colours
            cmap = plt.get_cmap("tab10" if classes.size <= 10 else "tab20")
            colors = [cmap(k % cmap.N) for k in range(classes.size)]
            kw.update(c=[colors[k] for k in level])
        elif self.y is not None:  # missing values grey
            cmap = plt.get_cmap("viridis").with_extremes(bad="lightgrey")
            kw.update(c=np.asarray(self.y, dtype=float), cmap=cmap, plotnonfinite=True)
        kw = _style(kw, scatter_kw)

        labels = self.axis_labels or ["latent 1", "latent 2"]
        if codes.shape[1] == 1:
            jitter = np.random.RandomState(0).uniform(-0.3, 0.3, codes.shape[0])
            level = level if categorical else np.zeros(codes.shape[0])
            self.scatter_ = ax.scatter(codes[:, 0], level + jitter, **kw)
            ax.set_xlabel(labels[0])
            ax.set_yticks(np.arange(classes.size) if categorical else [])
            if categorical:
                # one line each: the rows of the strip are one line apart
                ax.set_yticklabels([_shorten(c, _LABEL_WIDTH) for c in classes])
                ax.set_ylim(-0.5, classes.size - 0.5)
                if classes.size > 1:
                    _fit_tick_labels([(ax, "y")])
        else:
            self.scatter_ = ax.scatter(codes[:, 0], codes[:, 1], **kw)
            ax.set(xlabel=labels[0], ylabel=labels[1])
            if categorical:
                handles = [
                    Line2D([], [], marker="o", linestyle="", color=color)
                    for color in colors
                ]
                self.legend_ = _legend_outside(
                    ax, handles, [_wrap(c, _LABEL_WIDTH) for c in classes],
                    side="right", title=_series_name(self.y), markerscale=0.8,
                    ncols=-(-classes.size // _LEGEND_ROWS),
                )
        if self.y is not None and not categorical:
            self.colorbar_ = self.figure_.colorbar(
                self.scatter_, ax=ax, label=_series_name(self.y)
            )
        name = self.name if name is None else name
        if name is not None:
            ax.set_title(name)
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, name=None, ax=None,
                       scatter_kw=None):
        """Plot the codes that a fitted model gives to X.

        The codes are ``transform(X)``. Codes with more than two dimensions
        are projected on their first two principal components
        (:class:`~sklearn.decomposition.PCA` fitted on the codes of X).

        Parameters
        ----------
        estimator : estimator instance
            A fitted transformer: an :class:`~skvae.AutoencoderTransformer`,
            a :class:`~skvae.VAETransformer` or a
            :class:`~sklearn.pipeline.Pipeline` ending in one, or a fitted
            :class:`~skvae.AutoencoderImputer` or
            :class:`~skvae.AutoencoderOutlierDetector`, whose fitted
            `estimator_` encodes X.

        X : array-like of shape (n_samples, n_features)
            Data to encode.

        y : array-like of shape (n_samples,), default=None
            Label or value of each row, used for the colours.

        name : str, default=None
            Title of the plot. If `None`, the name of the model's class.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created, with constrained layout.

        scatter_kw : dict, default=None
            Keyword arguments passed to matplotlib's `scatter`.

        Returns
        -------
        display : :class:`~skvae.LatentSpaceDisplay`
            Object that stores computed values.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from skvae import LatentSpaceDisplay, VAETransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 4))
        >>> vae = VAETransformer(hidden_layer_sizes=(8,), max_iter=5).fit(X)
        >>> display = LatentSpaceDisplay.from_estimator(vae, X, y=X[:, 0] > 0)
        >>> display.codes.shape
        (100, 2)
        >>> plt.show()
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        model = _fitted_model(estimator, ["transform"])
        codes = np.asarray(model.transform(_model_input(model, X)), dtype=float)
        axis_labels = None
        if codes.shape[1] > 2:
            pca = PCA(n_components=2).fit(codes)
            codes = pca.transform(codes)
            axis_labels = [
                f"latent PC {i + 1} ({ratio:.0%} of the variance)"
                for i, ratio in enumerate(pca.explained_variance_ratio_)
            ]
        display = cls(
            codes=codes,
            y=y,
            axis_labels=axis_labels,
            name=type(model).__name__ if name is None else name,
        )
        return display.plot(ax=ax, scatter_kw=scatter_kw)
