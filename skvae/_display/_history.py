"""TrainingHistoryDisplay: training loss and validation score per epoch."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._plotting import (
    _check_matplotlib_support,
    _fitted_model,
    _legend_outside,
    _new_axes,
    _style,
)


class TrainingHistoryDisplay:
    """Training history visualization.

    The mean training loss at each epoch and, with early stopping, the
    validation score on a second y-axis, with the best epoch marked. The
    legend goes to the right of the axes, past the second y-axis, so that
    it hides no curve; on axes of a figure without a layout engine (see
    :ref:`visualizations`), which would cut it off there, it goes inside.

    It is recommended to use
    :func:`~skvae.TrainingHistoryDisplay.from_estimator` to create a
    :class:`TrainingHistoryDisplay`. All parameters are stored as
    attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Mean training loss at each epoch, e.g. a model's ``loss_curve_``.

    validation_scores : array-like of shape (n_validation_epochs,), default=None
        Validation score at each of the last ``n_validation_epochs`` epochs
        (higher is better), e.g. a model's ``validation_scores_``. If
        `None`, no validation score is shown.

    best_epoch : int, default=None
        Epoch to mark, counted from 1. If `None`, no epoch is marked.

    name : str, default=None
        Name of the model, shown as the title. If `None`, no title is shown.

    Attributes
    ----------
    loss_line_ : matplotlib Artist
        Training loss curve.

    validation_line_ : matplotlib Artist or None
        Validation score curve. `None` if there are no validation scores.

    best_epoch_line_ : matplotlib Artist or None
        Vertical line at the best epoch. `None` if no epoch is marked.

    legend_ : matplotlib Legend
        Legend of the curves and the best epoch.

    ax_ : matplotlib Axes
        Axes with the training loss.

    validation_ax_ : matplotlib Axes or None
        Axes with the validation score, sharing the x-axis of `ax_`. `None`
        if there are no validation scores.

    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    LatentSpaceDisplay : Latent codes of a fitted model.
    sklearn.model_selection.LearningCurveDisplay : Learning curve of any
        estimator.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skvae import TrainingHistoryDisplay
    >>> display = TrainingHistoryDisplay(
    ...     loss_curve=[3.0, 2.0, 1.5], validation_scores=[-2.5, -2.1, -2.2],
    ...     best_epoch=2)
    >>> display = display.plot()
    >>> plt.show()
    """

    def __init__(
        self, *, loss_curve, validation_scores=None, best_epoch=None, name=None
    ):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.best_epoch = best_epoch
        self.name = name

    def plot(self, ax=None, *, name=None, loss_kw=None, validation_kw=None):
        """Plot visualization.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created, with constrained layout.

        name : str, default=None
            Title of the plot. If `None`, the `name` given at construction
            is used; if that is `None` too, no title is shown.

        loss_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the training
            loss.

        validation_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the
            validation score.

        Returns
        -------
        display : :class:`~skvae.TrainingHistoryDisplay`
            Object that stores computed values.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")

        loss = np.asarray(self.loss_curve, dtype=float)
        if loss.ndim != 1 or loss.size == 0:
            raise ValueError(
                f"loss_curve must be a non-empty 1-D sequence, got shape {loss.shape}."
            )
        if ax is None:
            ax = _new_axes()
        self.ax_, self.figure_ = ax, ax.figure
        epochs = np.arange(1, loss.size + 1)
        kw = _style({"color": "C0", "label": "training loss"}, loss_kw)
        (self.loss_line_,) = ax.plot(epochs, loss, **kw)
        ax.set(xlabel="epoch", ylabel="training loss")
        handles = [self.loss_line_]

        self.validation_ax_ = self.validation_line_ = None
        if self.validation_scores is not None and len(self.validation_scores):
            scores = np.asarray(self.validation_scores, dtype=float)
            if scores.size > loss.size:
                raise ValueError(
                    f"validation_scores has {scores.size} epochs, more than the "
                    f"{loss.size} of loss_curve."
                )
            self.validation_ax_ = ax.twinx()
            kw = _style({"color": "C1", "label": "validation score"}, validation_kw)
            (self.validation_line_,) = self.validation_ax_.plot(
                epochs[loss.size - scores.size :], scores, **kw
            )
            self.validation_ax_.set_ylabel("validation score")
            handles.append(self.validation_line_)

        self.best_epoch_line_ = None
        if self.best_epoch is not None:
            self.best_epoch_line_ = ax.axvline(
                self.best_epoch, color="k", linestyle="--", linewidth=1,
                label=f"best epoch ({self.best_epoch})",
            )
            handles.append(self.best_epoch_line_)
        name = self.name if name is None else name
        if name is not None:
            ax.set_title(name)
        # outside right, past the validation score's axis: inside, every
        # corner may hold a curve (the loss falls as the score rises)
        twins = [] if self.validation_ax_ is None else [self.validation_ax_]
        self.legend_ = _legend_outside(ax, handles, side="right", beside=twins)
        return self

    @classmethod
    def from_estimator(cls, estimator, *, name=None, ax=None, loss_kw=None,
                       validation_kw=None):
        """Plot the training history of a fitted model.

        The best epoch is the one with the highest validation score when
        the model was trained with early stopping (its weights are those
        kept), else the one with the lowest training loss.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`~skvae.AutoencoderTransformer` or
            :class:`~skvae.VAETransformer`, a fitted
            :class:`~sklearn.pipeline.Pipeline` ending in one, or a fitted
            :class:`~skvae.AutoencoderImputer` or
            :class:`~skvae.AutoencoderOutlierDetector`, whose fitted
            `estimator_` is shown.

        name : str, default=None
            Title of the plot. If `None`, the name of the model's class.

        ax : matplotlib Axes, default=None
            Axes object to plot on. If `None`, a new figure and axes is
            created, with constrained layout.

        loss_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the training
            loss.

        validation_kw : dict, default=None
            Keyword arguments passed to matplotlib's `plot` for the
            validation score.

        Returns
        -------
        display : :class:`~skvae.TrainingHistoryDisplay`
            Object that stores computed values.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from skvae import AutoencoderTransformer, TrainingHistoryDisplay
        >>> X = np.random.RandomState(0).normal(size=(100, 4))
        >>> ae = AutoencoderTransformer(hidden_layer_sizes=(8,), max_iter=5).fit(X)
        >>> display = TrainingHistoryDisplay.from_estimator(ae)
        >>> len(display.loss_curve)
        5
        >>> plt.show()
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if hasattr(estimator, "steps"):
            check_is_fitted(estimator)
            estimator = estimator[-1]
        model = _fitted_model(estimator, ["loss_curve_"])
        loss = list(model.loss_curve_)
        scores = getattr(model, "validation_scores_", None)
        if scores:
            # the weights the fit started from compete too: epoch 0 of the fit
            best = int(np.argmax(scores)) + 1
            if model.best_validation_score_ > max(scores):
                best = 0
            best_epoch = len(loss) - len(scores) + best
        else:
            scores, best_epoch = None, int(np.argmin(loss)) + 1
        display = cls(
            loss_curve=loss,
            validation_scores=scores,
            best_epoch=best_epoch,
            name=type(model).__name__ if name is None else name,
        )
        return display.plot(ax=ax, loss_kw=loss_kw, validation_kw=validation_kw)
