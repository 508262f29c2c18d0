"""Helpers shared by the displays: matplotlib, fitted models, axes grids."""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted


def _check_matplotlib_support(caller_name):
    """Raise an ImportError that says how to install matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise ImportError(
            f"{caller_name} requires matplotlib. You can install matplotlib with "
            "`pip install matplotlib`"
        ) from e


def _fitted_model(estimator, attributes):
    """``estimator``, or the fitted ``estimator_`` of a role estimator.

    Checks that it is fitted and has every name in ``attributes``.
    """
    check_is_fitted(estimator)
    model = getattr(estimator, "estimator_", estimator)
    missing = [name for name in attributes if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"{type(estimator).__name__} has no {', '.join(missing)}: pass a fitted "
            "AutoencoderTransformer or VAETransformer, a Pipeline ending in one, "
            "or a fitted AutoencoderImputer or AutoencoderOutlierDetector."
        )
    return model


def _model_input(model, X):
    """X as ``model`` reads it: without column names if it was fitted without.

    A role estimator validates a DataFrame into an array before fitting its
    model, which then warns when given the DataFrame.
    """
    if hasattr(X, "columns") and not hasattr(model, "feature_names_in_"):
        return check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
    return X


def _style(default, user):
    """``default`` matplotlib keywords updated with the user's."""
    return {**default, **({} if user is None else user)}


def _axes_grid(ax, n_panels, n_cols, panel_size):
    """An object array of axes for ``n_panels`` panels, the bounding axes, the figure.

    As in scikit-learn's :class:`~sklearn.inspection.PartialDependenceDisplay`:
    ``ax=None`` makes a new figure and one Axes is split into a grid of
    ``n_cols`` columns (unused cells are None); an array-like of
    ``n_panels`` axes is used as given, a 1-D one as a single row.
    """
    import matplotlib.pyplot as plt
    from matplotlib.gridspec import GridSpecFromSubplotSpec

    n_rows = -(-n_panels // n_cols)
    if ax is None:
        figsize = (panel_size[0] * n_cols, panel_size[1] * n_rows)
        figure, axes = plt.subplots(
            n_rows, n_cols, squeeze=False, figsize=figsize, layout="constrained"
        )
        bounding_ax = None
    elif isinstance(ax, plt.Axes):
        if not ax.axison:
            raise ValueError(
                "The ax was already used by another display; pass "
                "ax=display.axes_ instead."
            )
        ax.set_axis_off()
        figure, bounding_ax = ax.figure, ax
        spec = ax.get_subplotspec()
        grid = GridSpecFromSubplotSpec(n_rows, n_cols, subplot_spec=spec)
        axes = np.empty((n_rows, n_cols), dtype=object)
        for i, cell in enumerate(grid):
            axes.flat[i] = figure.add_subplot(cell)
    else:
        axes = np.asarray(ax, dtype=object)
        if axes.size != n_panels:
            raise ValueError(f"Expected ax to have {n_panels} axes, got {axes.size}.")
        axes = axes.reshape(1, -1) if axes.ndim == 1 else axes
        return axes, None, axes.flat[0].figure
    for i in range(n_panels, axes.size):
        axes.flat[i].remove()
        axes.flat[i] = None
    return axes, bounding_ax, figure
