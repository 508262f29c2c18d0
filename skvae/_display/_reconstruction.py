"""ReconstructionDisplay: data against their reconstructions."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_array

from .._frames import is_polars, to_pandas
from ._plotting import (
    _axes_grid,
    _check_matplotlib_support,
    _check_positive_int,
    _fit_tick_labels,
    _fitted_model,
    _model_input,
    _shorten,
    _style,
    _wrap,
)

# Class panels write the share in each cell up to this many classes (more
# would not fit), and cut class names to this many characters.
_MAX_ANNOTATED = 4
_CLASS_WIDTH = 14
# Panel titles are wrapped on lines of this many characters.
_TITLE_WIDTH = 26


def _is_frame(X):
    return is_polars(X) or hasattr(X, "iloc")


def _as_pandas(X):
    return to_pandas(X) if is_polars(X) else X


def _holds_numbers(values):
    """Whether a column of a DataFrame is shown as numbers (else as classes).

    Booleans, categories (ordered or not) and labels are classes; an
    ``object`` column of numbers holds numbers, as for the models.
    """
    import pandas as pd

    dtype = values.dtype
    if dtype == object:
        kind = pd.api.types.infer_dtype(values, skipna=True)
        return kind in ("integer", "floating", "mixed-integer-float", "decimal")
    return pd.api.types.is_numeric_dtype(dtype) and not (
        pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
    )


def _numbers(values):
    """A column of numbers as a float array, missing values as NaN."""
    import pandas as pd

    values = pd.Series(values)
    if values.dtype == object:
        values = pd.to_numeric(values)
    return values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


def _classes(observed, reconstructed):
    """Class labels of a column: its dtype's categories, else the sorted labels.

    Labels that only the reconstruction has come last.
    """
    import pandas as pd

    if isinstance(observed.dtype, pd.CategoricalDtype):
        classes = list(observed.dtype.categories)
    else:
        classes = list(pd.unique(observed.dropna()))
        try:
            classes = sorted(classes)
        except TypeError:  # labels of mixed types: order of appearance
            pass
    rebuilt = pd.unique(pd.Series(reconstructed).dropna())
    extra = [c for c in rebuilt if c not in classes]
    return classes + extra


def _confusion(observed, reconstructed):
    """Classes, counts[reconstructed, observed] over observed cells, accuracy."""
    import pandas as pd

    observed, reconstructed = pd.Series(observed), pd.Series(reconstructed)
    classes = _classes(observed, reconstructed)
    keep = ~(observed.isna().to_numpy() | reconstructed.isna().to_numpy())
    rows = pd.Categorical(reconstructed[keep].astype(object), categories=classes).codes
    cols = pd.Categorical(observed[keep].astype(object), categories=classes).codes
    counts = np.zeros((len(classes), len(classes)), dtype=int)
    np.add.at(counts, (rows, cols), 1)
    accuracy = np.trace(counts) / counts.sum() if counts.sum() else np.nan
    return classes, counts, accuracy


class ReconstructionDisplay:
    """Reconstruction visualization.

    For tabular data, one panel per feature: for a column of numbers, the
    observed values against their reconstructions, on which a perfect model
    puts every point on the diagonal; for a column of classes (booleans,
    categories, labels) of a DataFrame, the share of the rows of each
    observed class (x-axis) given each reconstructed class (y-axis), whose
    diagonal is the share reconstructed right, with the accuracy in the
    title. For images, the first rows above their reconstructions.

    It is recommended to use
    :func:`~skvae.ReconstructionDisplay.from_estimator` to create a
    :class:`ReconstructionDisplay`. All parameters are stored as
    attributes.

    Parameters
    ----------
    X : {ndarray, DataFrame} of shape (n_samples, n_features)
        Observed data; NaN (and the missing values of a DataFrame) marks
        missing entries, which are not shown. The columns of an array are
        numbers; those of a DataFrame are numbers or classes by their dtype.

    X_reconstructed : {ndarray, DataFrame} of shape (n_samples, n_features)
        Reconstruction of each row, its columns in the order of X's.

    feature_names : array-like of str, default=None
        Name of each feature, the title of its panel. If `None`, the columns
        of a DataFrame, else ``x0, x1, ...``.

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
        For tabular data, the points of each panel of numbers (`None` where
        the grid has no such panel). `None` for images.

    lines_ : ndarray of matplotlib Artists or None
        For tabular data, the diagonal of each panel of numbers. `None` for
        images.

    class_images_ : ndarray of matplotlib Artists or None
        For tabular data, the heat map of each panel of classes (`None`
        where the grid has no such panel). `None` for images.

    accuracies_ : dict or None
        For tabular data, the share of the observed cells of each column of
        classes shown that are reconstructed right, by feature name. `None`
        for images.

    colorbar_ : matplotlib Colorbar or None
        Colour bar of the panels of classes, beside the grid. `None` without
        them.

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
            Features to show, by position or by name among all the columns
            (tabular data only). If `None`, all of them.

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
        X, X_rec = self._tables()
        name = (self.name if name is None else name) or "model"
        self.scatters_ = self.lines_ = self.images_ = None
        self.class_images_ = self.accuracies_ = self.colorbar_ = None
        if self.image_shape is None:
            self._plot_features(X, X_rec, ax, name, features, n_cols, scatter_kw)
        else:
            if hasattr(X, "columns"):
                X, X_rec = self._image_numbers(X, X_rec)
            self._plot_images(X, X_rec, ax, name, n_images, imshow_kw)
        return self

    def _tables(self):
        """X and X_reconstructed: pandas DataFrames for a DataFrame X, else floats."""
        import pandas as pd

        if _is_frame(self.X):
            X = _as_pandas(self.X)
            X_rec = _as_pandas(self.X_reconstructed)
            if not hasattr(X_rec, "columns"):
                X_rec = np.asarray(X_rec)
                if X_rec.ndim == 2 and X_rec.shape == X.shape:
                    X_rec = pd.DataFrame(X_rec, index=X.index, columns=X.columns)
        else:
            X = np.asarray(self.X, dtype=float)
            X_rec = np.asarray(self.X_reconstructed, dtype=float)
        if len(X.shape) != 2 or X.shape != X_rec.shape:
            raise ValueError(
                "X and X_reconstructed must be 2-D arrays of the same shape, got "
                f"{X.shape} and {np.shape(X_rec)}."
            )
        return X, X_rec

    @staticmethod
    def _image_numbers(X, X_rec):
        for column in X.columns:
            if not _holds_numbers(X[column]):
                raise ValueError(
                    f"Column {column!r} holds {X[column].dtype} values, not numbers: "
                    "images need columns of numbers. Pass image_shape=None to show "
                    "a table."
                )
        return (np.column_stack([_numbers(X[c]) for c in X.columns]),
                np.column_stack([_numbers(X_rec.iloc[:, j])
                                 for j in range(X_rec.shape[1])]))

    def _feature_positions(self, features, n_features, columns):
        if self.feature_names is not None:
            names = [str(f) for f in self.feature_names]
        elif columns is not None:
            names = [str(c) for c in columns]
        else:
            names = [f"x{j}" for j in range(n_features)]
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
        _check_positive_int(n_cols, "n_cols")
        frame = hasattr(X, "columns")
        positions, names = self._feature_positions(
            features, X.shape[1], X.columns if frame else None
        )
        self.axes_, self.bounding_ax_, self.figure_ = _axes_grid(
            ax, len(positions), min(n_cols, len(positions)), (3.2, 3.0)
        )
        n_cols = self.axes_.shape[1]
        self.scatters_ = np.empty(self.axes_.shape, dtype=object)
        self.lines_ = np.empty(self.axes_.shape, dtype=object)
        self.class_images_ = np.empty(self.axes_.shape, dtype=object)
        self.accuracies_ = {}
        kw = _style({"s": 6, "alpha": 0.5}, scatter_kw)
        crowded = []
        for i, j in enumerate(positions):
            axis = self.axes_.flat[i]
            if frame and not _holds_numbers(X.iloc[:, j]):
                self._plot_classes(axis, X.iloc[:, j], X_rec.iloc[:, j], names[j], i)
                crowded += [(axis, "x"), (axis, "y")]
            else:
                observed = _numbers(X.iloc[:, j]) if frame else X[:, j]
                rebuilt = _numbers(X_rec.iloc[:, j]) if frame else X_rec[:, j]
                self._plot_numbers(axis, observed, rebuilt, i, kw)
                axis.set_title(_wrap(names[j], _TITLE_WIDTH))
            axis.set_xlabel("observed")
            if i % n_cols == 0:
                axis.set_ylabel(_wrap(f"reconstructed by {name}", 24))
        images = [image for image in self.class_images_.flat if image is not None]
        self.colorbar_ = None
        if images:
            # one colour bar beside the grid keeps the panels of equal size
            panels = [axis for axis in self.axes_.flat if axis is not None]
            self.colorbar_ = self.figure_.colorbar(
                images[0], ax=panels, label="share of the rows of an observed class",
                shrink=min(1.0, 0.4 + 0.6 / self.axes_.shape[0]),
            )
        _fit_tick_labels(crowded)

    def _plot_numbers(self, axis, observed, rebuilt, i, kw):
        self.scatters_.flat[i] = axis.scatter(observed, rebuilt, **kw)
        shown = observed[~np.isnan(observed)]
        low, high = (shown.min(), shown.max()) if shown.size else (0, 1)
        (self.lines_.flat[i],) = axis.plot(
            [low, high], [low, high], color="k", linestyle="--", linewidth=1
        )

    def _plot_classes(self, axis, observed, rebuilt, feature, i):
        classes, counts, accuracy = _confusion(observed, rebuilt)
        self.accuracies_[feature] = float(accuracy)
        totals = counts.sum(axis=0, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(totals > 0, counts / totals, np.nan)
        image = axis.imshow(shares, origin="lower", cmap="Blues", vmin=0.0, vmax=1.0,
                            aspect="auto", interpolation="nearest")
        self.class_images_.flat[i] = image
        ticks = np.arange(len(classes))
        labels = [_shorten(c, _CLASS_WIDTH) for c in classes]
        axis.set_xticks(ticks, labels, rotation=90)
        axis.set_yticks(ticks, labels)
        title = _wrap(feature, _TITLE_WIDTH)
        if not np.isnan(accuracy):
            title += f"\naccuracy {accuracy:.0%}"
        axis.set_title(title)
        if len(classes) <= _MAX_ANNOTATED:
            for (row, col), share in np.ndenumerate(shares):
                if not np.isnan(share):
                    axis.text(col, row, f"{share:.0%}", ha="center", va="center",
                              fontsize="small",
                              color="white" if share > 0.5 else "black")

    def _plot_images(self, X, X_rec, ax, name, n_images, imshow_kw):
        shape = tuple(self.image_shape)
        if int(np.prod(shape)) != X.shape[1]:
            raise ValueError(
                f"image_shape={shape} holds {int(np.prod(shape))} values but the "
                f"rows have {X.shape[1]} features."
            )
        _check_positive_int(n_images, "n_images")
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
        # the panels are short: the name on lines that fit beside them
        self.axes_[1, 0].set_ylabel(_wrap(name, 12))

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
            Data to reconstruct; NaN (and the missing values of a DataFrame)
            marks missing entries. Every column of a DataFrame is shown: a
            column of numbers as a scatter plot, a column of booleans,
            categories or labels as the shares of its classes reconstructed
            as each class.

        image_shape : tuple of int, default=None
            Shape of the image that a row holds, e.g. ``(8, 8)``. If `None`,
            the data are tabular.

        name : str, default=None
            Name of the model in the labels. If `None`, the name of the
            model's class.

        ax : matplotlib Axes or array-like of matplotlib Axes, default=None
            Where to plot; see :meth:`plot`.

        features : list of int or str, default=None
            Features to show, by position or by name among all the columns
            (tabular data only). If `None`, all of them.

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
        if not _is_frame(X):
            X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        display = cls(
            X=X,
            X_reconstructed=X_rec,
            image_shape=image_shape,
            name=type(model).__name__ if name is None else name,
        )
        return display.plot(
            ax=ax, features=features, n_cols=n_cols, n_images=n_images,
            scatter_kw=scatter_kw, imshow_kw=imshow_kw,
        )
