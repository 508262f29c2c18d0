"""ReconstructionDisplay: data against their reconstructions."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_array

from ._plotting import (
    _axes_grid,
    _check_matplotlib_support,
    _fitted_model,
    _model_input,
    _style,
)



def _numeric_columns(frame):
    """Names of a DataFrame's columns of numbers (booleans included)."""
    import pandas as pd

    return [
        name for name, dtype in frame.dtypes.items()
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
    ]


def _numbers(frame):
    """A DataFrame of numbers as a float array, missing values as NaN."""
    return frame.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)

class ReconstructionDisplay:
    """Reconstruction visualization.

    For tabular data, one panel per feature with the observed values
    against their reconstructions, on which a perfect model puts every
    point on the diagonal. For images, the first rows above their
    reconstructions.

    It is recommended to use
    :func:`~skvae.ReconstructionDisplay.from_estimator` to create a
    :class:`ReconstructionDisplay`. All parameters are stored as
    attributes.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Observed data; NaN marks missing entries, which are not shown.

    X_reconstructed : ndarray of shape (n_samples, n_features)
        Reconstruction of each row.

    feature_names : array-like of str, default=None
        Name of each feature, the title of its panel. If `None`,
        ``x0, x1, ...``.

    image_shape : tuple of int, default=None
        Shape of the image that a row holds, e.g. ``(8, 8)``. If `None`,
        the data are tabular.

    name : str, default=None
        Name of the model, shown in the labels. If `None`, "model".

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        For tabular data, `axes_[i, j]` is the panel on the i-th row and
        j-th column of the grid, `None` where the grid has no panel; for
        images, `axes_[0, j]` shows the j-th row and `axes_[1, j]` its
        reconstruction.

    bounding_ax_ : matplotlib Axes or None
        The axes split into the panels when `ax` is one axes; `None` when
        `ax` is `None` or an array of axes.

    scatters_ : ndarray of matplotlib Artists or None
        For tabular data, the points of each panel (`None` where the grid
        has no panel). `None` for images.

    lines_ : ndarray of matplotlib Artists or None
        For tabular data, the diagonal of each panel. `None` for images.

    images_ : ndarray of matplotlib Artists or None
        For images, the image of each panel. `None` for tabular data.

    figure_ : matplotlib Figure
        Figure containing the panels.

    See Also
    --------
    LatentSpaceDisplay : Latent codes of a fitted model.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skvae import ReconstructionDisplay
    >>> X = np.random.RandomState(0).normal(size=(30, 2))
    >>> display = ReconstructionDisplay(X=X, X_reconstructed=0.8 * X).plot()
    >>> display.axes_.shape
    (1, 2)
    >>> plt.show()
    """

    def __init__(self, *, X, X_reconstructed, feature_names=None, image_shape=None,
                 name=None):
        self.X = X
        self.X_reconstructed = X_reconstructed
        self.feature_names = feature_names
        self.image_shape = image_shape
        self.name = name

    def plot(self, ax=None, *, name=None, features=None, n_cols=3, n_images=8,
             scatter_kw=None, imshow_kw=None):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of matplotlib Axes, default=None
            - If a single axes is passed, it is split into the grid of
              panels.
            - If an array-like of axes is passed, it must hold one axes per
              panel (``2 * n_images`` for images, row by row).
            - If `None`, a new figure with the panels is created.

        name : str, default=None
            Name of the model in the labels. If `None`, the `name` given at
            construction is used.

        features : list of int or str, default=None
            Features to show, by position or by name (tabular data only).
            If `None`, all of them.

        n_cols : int, default=3
            Number of columns of the grid of panels (tabular data only).

        n_images : int, default=8
            Number of rows to show, from the first (images only).

        scatter_kw : dict, default=None
            Keyword arguments passed to matplotlib's `scatter` (tabular
            data).

        imshow_kw : dict, default=None
            Keyword arguments passed to matplotlib's `imshow` (images).

        Returns
        -------
        display : :class:`~skvae.ReconstructionDisplay`
            Object that stores computed values.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        X = np.asarray(self.X, dtype=float)
        X_rec = np.asarray(self.X_reconstructed, dtype=float)
        if X.ndim != 2 or X.shape != X_rec.shape:
            raise ValueError(
                "X and X_reconstructed must be 2-D arrays of the same shape, got "
                f"{X.shape} and {X_rec.shape}."
            )
        name = (self.name if name is None else name) or "model"
        self.scatters_ = self.lines_ = self.images_ = None
        if self.image_shape is None:
            self._plot_features(X, X_rec, ax, name, features, n_cols, scatter_kw)
        else:
            self._plot_images(X, X_rec, ax, name, n_images, imshow_kw)
        return self

    def _feature_positions(self, features, n_features):
        names = (
            [f"x{j}" for j in range(n_features)]
            if self.feature_names is None
            else [str(f) for f in self.feature_names]
        )
        if features is None:
            return list(range(n_features)), names
        positions = []
        for feature in features:
            if isinstance(feature, Integral) and 0 <= feature < n_features:
                positions.append(int(feature))
            elif isinstance(feature, str) and feature in names:
                positions.append(names.index(feature))
            else:
                raise ValueError(
                    f"Unknown feature {feature!r}: give positions in [0, "
                    f"{n_features}) or names among {names}."
                )
        if not positions:
            raise ValueError("features must name at least one feature.")
        return positions, names

    def _plot_features(self, X, X_rec, ax, name, features, n_cols, scatter_kw):
        positions, names = self._feature_positions(features, X.shape[1])
        self.axes_, self.bounding_ax_, self.figure_ = _axes_grid(
            ax, len(positions), min(n_cols, len(positions)), (3.2, 3.0)
        )
        n_cols = self.axes_.shape[1]
        self.scatters_ = np.empty(self.axes_.shape, dtype=object)
        self.lines_ = np.empty(self.axes_.shape, dtype=object)
        kw = _style({"s": 6, "alpha": 0.5}, scatter_kw)
        for i, j in enumerate(positions):
            axis = self.axes_.flat[i]
            self.scatters_.flat[i] = axis.scatter(X[:, j], X_rec[:, j], **kw)
            observed = X[~np.isnan(X[:, j]), j]
            low, high = (observed.min(), observed.max()) if observed.size else (0, 1)
            (self.lines_.flat[i],) = axis.plot(
                [low, high], [low, high], color="k", linestyle="--", linewidth=1
            )
            axis.set_title(names[j])
            axis.set_xlabel("observed")
            if i % n_cols == 0:
                axis.set_ylabel(f"reconstructed by {name}")

    def _plot_images(self, X, X_rec, ax, name, n_images, imshow_kw):
        shape = tuple(self.image_shape)
        if int(np.prod(shape)) != X.shape[1]:
            raise ValueError(
                f"image_shape={shape} holds {int(np.prod(shape))} values but the "
                f"rows have {X.shape[1]} features."
            )
        if not isinstance(n_images, Integral) or n_images < 1:
            raise ValueError(f"n_images must be a positive integer, got {n_images!r}.")
        n_images = min(n_images, X.shape[0])
        self.axes_, self.bounding_ax_, self.figure_ = _axes_grid(
            ax, 2 * n_images, n_images, (1.2, 1.3)
        )
        self.axes_ = self.axes_.reshape(2, n_images)
        shown = np.concatenate([X[:n_images], X_rec[:n_images]])
        kw = _style(
            {"cmap": "gray_r", "vmin": np.nanmin(shown), "vmax": np.nanmax(shown)},
            imshow_kw,
        )
        self.images_ = np.empty(self.axes_.shape, dtype=object)
        for row, data in enumerate((X, X_rec)):
            for j in range(n_images):
                axis = self.axes_[row, j]
                self.images_[row, j] = axis.imshow(data[j].reshape(shape), **kw)
                axis.set_xticks([])
                axis.set_yticks([])
        self.axes_[0, 0].set_ylabel("data")
        self.axes_[1, 0].set_ylabel(name)

    @classmethod
    def from_estimator(cls, estimator, X, *, image_shape=None, name=None, ax=None,
                       features=None, n_cols=3, n_images=8, scatter_kw=None,
                       imshow_kw=None):
        """Plot the data against their reconstructions by a fitted model.

        The reconstructions are ``inverse_transform(transform(X))``.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`~skvae.AutoencoderTransformer` or
            :class:`~skvae.VAETransformer`, or a fitted
            :class:`~skvae.AutoencoderImputer` or
            :class:`~skvae.AutoencoderOutlierDetector`, whose fitted
            `estimator_` reconstructs X; any fitted transformer with an
            `inverse_transform` works (e.g. :class:`~sklearn.decomposition.PCA`).

        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Data to reconstruct; NaN marks missing entries. Of a DataFrame,
            the columns of numbers are shown (categories and labels have no
            scatter).

        image_shape : tuple of int, default=None
            Shape of the image that a row holds, e.g. ``(8, 8)``. If `None`,
            the data are tabular.

        name : str, default=None
            Name of the model in the labels. If `None`, the name of the
            model's class.

        ax : matplotlib Axes or array-like of matplotlib Axes, default=None
            Where to plot; see :meth:`plot`.

        features : list of int or str, default=None
            Features to show, by position or by name (tabular data only).
            If `None`, all of them.

        n_cols : int, default=3
            Number of columns of the grid of panels (tabular data only).

        n_images : int, default=8
            Number of rows to show, from the first (images only).

        scatter_kw : dict, default=None
            Keyword arguments passed to matplotlib's `scatter` (tabular
            data).

        imshow_kw : dict, default=None
            Keyword arguments passed to matplotlib's `imshow` (images).

        Returns
        -------
        display : :class:`~skvae.ReconstructionDisplay`
            Object that stores computed values.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_digits
        >>> from skvae import AutoencoderTransformer, ReconstructionDisplay
        >>> X, _ = load_digits(return_X_y=True)
        >>> ae = AutoencoderTransformer(hidden_layer_sizes=(8,), max_iter=2).fit(X)
        >>> display = ReconstructionDisplay.from_estimator(
        ...     ae, X[:4], image_shape=(8, 8))
        >>> display.images_.shape
        (2, 4)
        >>> plt.show()
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        model = _fitted_model(estimator, ["transform", "inverse_transform"])
        X_model = _model_input(model, X)
        X_rec = model.inverse_transform(model.transform(X_model))
        feature_names = None
        if hasattr(X, "columns"):
            # columns of numbers only: categories and labels have no scatter
            feature_names = _numeric_columns(X)
            if not feature_names:
                raise ValueError(
                    "X has no column of numbers to plot against its reconstruction."
                )
            if hasattr(X_rec, "columns"):
                X_rec = _numbers(X_rec[feature_names])
            else:
                positions = [X.columns.get_loc(name) for name in feature_names]
                X_rec = np.asarray(X_rec, dtype=float)[:, positions]
            X = _numbers(X[feature_names])
        X_arr = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        display = cls(
            X=X_arr,
            X_reconstructed=np.asarray(X_rec, dtype=float),
            feature_names=feature_names,
            image_shape=image_shape,
            name=type(model).__name__ if name is None else name,
        )
        return display.plot(
            ax=ax, features=features, n_cols=n_cols, n_images=n_images,
            scatter_kw=scatter_kw, imshow_kw=imshow_kw,
        )
