"""Helpers shared by the displays: matplotlib, fitted models, axes, text."""

import re
import textwrap
from numbers import Integral

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


def _check_positive_int(value, name):
    """Raise a ValueError unless ``value`` is a positive integer."""
    if not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _model_input(model, X):
    """X as ``model`` reads it: an array if it was fitted on one.

    A role estimator validates a numeric DataFrame into an array before
    fitting a model that does not code DataFrames, which then warns when
    given the DataFrame. skvae's models (also as the first step of a
    pipeline) say in their table whether they were fitted on a DataFrame,
    whatever its column names; other estimators are taken to be fitted on
    one when they recorded its column names.
    """
    if not hasattr(X, "columns"):
        return X
    first = model
    while hasattr(first, "steps"):  # a Pipeline reads X with its first step
        first = first.steps[0][1]
    table = getattr(first, "_table", None)
    if table is not None:
        fitted_on_frame = table.frame
    else:
        fitted_on_frame = hasattr(model, "feature_names_in_")
    if fitted_on_frame:
        return X
    return check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")


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


def _new_axes():
    """A new figure with one Axes, laid out so that nothing is cut off."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(layout="constrained")
    return ax


def _lays_out(figure):
    """Whether ``figure`` makes room for the decorations outside its axes."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

    engine = figure.figure.get_layout_engine()  # the root figure's
    return isinstance(engine, (ConstrainedLayoutEngine, TightLayoutEngine))


def _wrap(text, width):
    """``text`` on lines of at most about ``width`` characters.

    Words are split at their inner capitals (``AutoencoderTransformer``)
    when they do not fit a line; a word with none stays whole.
    """
    words = []
    for word in str(text).split():
        if len(word) > width:
            words.extend(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", word).split())
        else:
            words.append(word)
    return "\n".join(
        textwrap.wrap(" ".join(words), width, break_long_words=False)
    ) or str(text)


def _shorten(text, width):
    """``text`` cut to ``width`` characters, an ellipsis marking the cut."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _legend_outside(ax, handles, labels=None, *, side, beside=(), **kwargs):
    """A legend beside ``ax``, outside the data, or inside where it would be cut.

    With a layout engine (``layout="constrained"``, which the displays use
    for the figures they make) the legend goes to the right of ``ax``, past
    the y-axes of the axes ``beside`` it (a twin), or above ``ax``, and the
    layout makes room for it. Without one, nothing makes room and a legend
    outside would be cut off when saved: it goes inside, where it hides the
    fewest points.
    """
    from matplotlib.transforms import ScaledTranslation

    if labels is None:
        labels = [handle.get_label() for handle in handles]
    if not _lays_out(ax.figure):
        return ax.legend(handles, labels, loc="best", **kwargs)
    root = ax.figure.figure
    if side == "right":
        shift = 0.0
        if beside:
            root.draw_without_rendering()
            right = max(other.yaxis.get_tightbbox().x1 for other in beside)
            shift = max(0.0, right - ax.bbox.x1) / root.dpi
        # a shift in inches: it stays right whatever the size of the figure
        offset = ScaledTranslation(shift + 0.08, 0, root.dpi_scale_trans)
        transform = ax.transAxes + offset
        kwargs = {"loc": "upper left", "bbox_to_anchor": (1.0, 1.0),
                  "bbox_transform": transform, "borderaxespad": 0.0,
                  "frameon": False, **kwargs}
    else:
        kwargs = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.0),
                  "borderaxespad": 0.3, "frameon": False,
                  "ncols": len(handles), "columnspacing": 1.2,
                  "handlelength": 1.5, **kwargs}
    return ax.legend(handles, labels, **kwargs)


def _fit_tick_labels(pairs, min_size=6.0):
    """Shrink or thin tick labels so that neighbours do not overlap.

    ``pairs`` holds ``(axes, "x" or "y")`` whose tick labels run across the
    ticks (horizontal on the y-axis, vertical on the x-axis), as in heat
    maps: each label may take up to 0.7 of the distance between two ticks.
    Labels are made smaller, down to ``min_size`` points, then only every
    k-th is kept.
    """
    if not pairs:
        return
    root = pairs[0][0].figure.figure
    root.draw_without_rendering()
    for axis, which in pairs:
        ticks = (axis.get_xticks() if which == "x" else axis.get_yticks())
        if len(ticks) < 2:
            continue
        extent = axis.bbox.width if which == "x" else axis.bbox.height
        span = np.ptp(axis.get_xlim() if which == "x" else axis.get_ylim())
        gap = extent * np.min(np.diff(np.sort(ticks))) / span * 72 / root.dpi
        labels = axis.get_xticklabels() if which == "x" else axis.get_yticklabels()
        size = labels[0].get_fontsize()
        lines = max(label.get_text().count("\n") + 1 for label in labels)
        room = 0.7 * gap / lines
        fitted = max(min_size, min(size, room))
        step = int(np.ceil(fitted / room))
        for i, label in enumerate(labels):
            label.set_fontsize(fitted)
            label.set_visible(i % step == 0)
