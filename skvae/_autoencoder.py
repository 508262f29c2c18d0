"""AutoencoderTransformer: a deterministic autoencoder as a transformer."""

import numpy as np
import torch
from sklearn.mixture import GaussianMixture

from ._base import BaseAutoencoder
from ._dask import lazy
from ._nn import Autoencoder, build
from ._utils import SEED_MAX

# Ex-post density on the codes (Ghosh et al. 2020): a 10-component Gaussian
# mixture fitted on at most this many training codes.
_DENSITY_COMPONENTS = 10
_DENSITY_MAX_ROWS = 10_000


class AutoencoderTransformer(BaseAutoencoder):
    """Autoencoder for non-linear dimensionality reduction.

    An encoder MLP maps each row to ``n_components`` codes and a mirrored
    decoder maps codes back; both are trained to minimise the mean squared
    reconstruction error of the standardised data. Inputs are standardised
    inside the model (with statistics that ignore NaN), so raw data works
    without a scaler, and :meth:`inverse_transform` and :meth:`sample` answer
    in the input's units. Missing values (NaN) are allowed everywhere: the
    loss and the scores use observed entries only.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the latent codes.

    hidden_layer_sizes : array-like of shape (n_layers,), default=(128, 64)
        Widths of the encoder's hidden layers; the decoder mirrors them. An
        empty tuple gives a linear autoencoder.

    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
            "elu", "gelu", "silu"}, default="relu"
        Activation of the hidden layers.

    init : {"pca", "random"}, default="pca"
        How the network starts. ``"pca"``: encoder and decoder each have a
        linear shortcut beside their MLP, set to the principal components of
        the (standardised) training data, and the MLPs' output layers start
        at zero, so that training starts from PCA and learns what it misses.
        ``"random"``: every layer gets torch's default random
        initialisation.

    column_types : dict or None, default=None
        The type of some columns, ``{column: type}``, with the column's name
        (or its position in an array) and one of ``"real"``, ``"quantile"``,
        ``"positive"``, ``"signed-log"``, ``"spiked"``, ``"zero-inflated"``,
        ``"count"``, ``"spiked-count"``, ``"binary"``, ``"categorical"`` or
        ``"ordinal"``. The
        other columns of a DataFrame get the type its dtype and values say
        (see Notes); the other columns of an array are real.

    alpha : float, default=1e-4
        Strength of the L2 penalty on the weights, as in
        :class:`~sklearn.neural_network.MLPRegressor`.

    batch_size : int or "auto", default="auto"
        Rows per optimiser step; ``"auto"`` means ``min(256, n_samples)``.
        The last batch of an epoch may be smaller.

    learning_rate_init : float or "auto", default="auto"
        Learning rate of the Adam optimiser. ``"auto"`` chooses it by the
        number of batches in an epoch: 1e-2 for a table of one batch, then
        ``1e-2 / sqrt(n_batches)``, down to 1e-3 (that of
        :class:`~sklearn.neural_network.MLPRegressor`) from 100 batches on,
        and 1e-3 for :meth:`partial_fit`; it rises linearly to that rate
        over the estimator's first 10 optimiser steps (a warm start does not
        repeat them). A number is used as given, from the first step on.

    max_iter : int or "auto", default="auto"
        Maximum number of epochs (passes over the training data). ``"auto"``
        means 200 epochs, or as many as 2,000 optimiser steps take when
        that is more: a small table gets enough steps to train, whatever
        the number of rows per epoch.

    tol : float, default=1e-4
        Training stops when the loss (or, with ``early_stopping``, the
        validation score) does not improve by at least ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    early_stopping : bool, default=True
        Whether to hold out ``validation_fraction`` of the rows, stop when
        their score stops improving and restore the best weights (those
        training started from compete too). On by default, unlike
        :class:`~sklearn.neural_network.MLPRegressor`: without it a network
        this size overfits a table of a few hundred rows (see Notes).

    validation_fraction : float, default=0.1
        Share of rows held out for early stopping.

    n_iter_no_change : int or "auto", default="auto"
        Epochs without improvement by ``tol`` before training stops,
        counted from the end of the learning rate's warm-up. ``"auto"``
        means 10 epochs, or as many as 20 optimiser steps take when that is
        more; 100 steps when the start is not a linear model of every column
        (``init="random"``, or columns whose likelihood is not a Gaussian,
        which start at their marginals and take steps to learn their dependence on the
        code).

    support_fraction : float or None, default=None
        Share of each batch's rows whose loss counts in training, in
        (0, 1]: the rows the model fits worst get no weight, so it does not
        learn to reproduce outliers among the training rows (a trimmed
        likelihood, as in the Minimum Covariance Determinant); the PCA start
        takes its mean and axes from the rows it fits best too. The
        validation score of
        ``early_stopping`` counts every held-out row. None means every row;
        :class:`AutoencoderOutlierDetector` sets it to 0.75, or lower from
        its ``contamination``. See the User Guide.

    shuffle : bool, default=True
        Whether to shuffle the rows at each epoch.

    warm_start : bool, default=False
        When True, ``fit`` continues training the previous network instead
        of starting anew. Changing ``n_components``, ``hidden_layer_sizes``,
        ``activation`` or ``column_types`` in between (or before
        ``partial_fit``) raises a ``ValueError``: a trained network cannot be
        reshaped, nor its columns recoded.

    random_state : int, RandomState instance or None, default=None
        Controls weight initialisation, shuffling, the validation split and
        the code density. Pass an int for reproducible results; on the CPU
        they are then identical bit for bit.

    verbose : int, default=0
        Whether to show a progress bar with the epoch and the loss.

    device : str or torch.device, default="auto"
        Where to compute: ``"auto"`` picks CUDA when available, else the
        CPU; any device torch accepts works. Resolved at fit.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network.

    mean_ : ndarray of shape (`n_features_in_`,)
        Per-column mean of the standardised code, missing values ignored:
        of the value, its log (positive, count) or its level (ordinal);
        NaN for the binary and categorical columns of a mixed table.

    scale_ : ndarray of shape (`n_features_in_`,)
        Per-column standard deviation of the same codes; NaN where
        ``mean_`` is.

    column_types_ : dict
        The type of each column, ``{column: type}``: as given in
        ``column_types`` or inferred. Keys are the column names of a
        DataFrame, the positions of an array's columns.

    categories_ : dict
        The labels of each column of labels (binary columns of labels,
        categorical and ordinal columns), ``{column: list of labels}`` in
        the model's class order (an ordinal column's from lowest to
        highest); columns of numbers have no entry.

    n_iter_ : int
        Number of epochs run.

    loss_curve_ : list of float
        Mean training loss (squared error per standardised entry) at each
        epoch.

    best_loss_ : float or None
        Lowest training loss; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Minus the validation loss at each epoch with ``early_stopping``,
        else None.

    best_validation_score_ : float or None
        Best validation score with ``early_stopping``, that of the weights
        kept (it may be the score of the starting weights, before the first
        epoch), else None.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    VAETransformer : Variational autoencoder with a likelihood and sampling.
    sklearn.decomposition.PCA : Linear dimensionality reduction.

    Notes
    -----
    A DataFrame may mix columns of numbers, counts, booleans, categories
    (ordered or not) and labels, with missing values in any of them: each
    column gets a likelihood of its type, inferred from its dtype and values
    or given in ``column_types``, and :meth:`inverse_transform` and
    :meth:`sample` return a DataFrame with the training columns, dtypes and
    categories (see the user guide's page on mixed tables).

    Training at the default settings adapts to the table and stops soon
    after the held-out rows stop improving: the learning rate is larger for
    tables of few batches, and the patience counts optimiser steps as well
    as epochs (a table of a few hundred rows is one batch and gets 20
    epochs, a large table the 10 epochs of
    :class:`~sklearn.neural_network.MLPRegressor`). Training starts from
    PCA (``init="pca"``), and early stopping keeps the weights that
    do best on the held-out rows, the starting ones included, so the default
    model does not fall below the linear model it contains on data like its
    training data; without early stopping, it overfits small tables.
    ``benchmarks/bench_defaults.py`` measures this on 16 tables of 105 to
    200,000 rows.

    :meth:`score_samples` is minus the mean squared reconstruction error of
    each row over its observed features, in units of each feature's
    training standard deviation (so every feature weighs the same).
    :meth:`sample` decodes draws from a 10-component Gaussian mixture fitted
    to the codes of the training rows (a uniform sample of at most 10,000 of
    them; after ``partial_fit``, of every chunk since the last ``fit``, or
    since the model was loaded): ex-post density estimation, Ghosh et al.
    (2020). The mixture is fitted on the first call to :meth:`sample` and
    kept until the next fit.

    References
    ----------
    .. [1] Hinton, G. E. and Salakhutdinov, R. R. (2006). Reducing the
       dimensionality of data with neural networks. Science, 313(5786).
    .. [2] Ghosh, P., Sajjadi, M. S. M., Vergari, A., Black, M. and
       Schölkopf, B. (2020). From variational to deterministic autoencoders.
       ICLR.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skvae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(n_components=2, max_iter=5, random_state=0)
    >>> ae.fit_transform(X).shape
    (1797, 2)
    """

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        init="pca",
        column_types=None,
        alpha=1e-4,
        batch_size="auto",
        learning_rate_init="auto",
        max_iter="auto",
        tol=1e-4,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change="auto",
        support_fraction=None,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="auto",
    ):
        super().__init__(
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            init=init,
            column_types=column_types,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            tol=tol,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            support_fraction=support_fraction,
            shuffle=shuffle,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
        )

    @lazy(lambda self, X: self._output_meta(self._dtype))
    def complete(self, X):
        """Every entry of the rows of X, given each row's observed entries.

        The decoder's reconstruction of each row from the code of its
        observed entries (the encoder sees a missing entry as its training
        mean, 0 in standardised units). Observed entries
        get the reconstruction too; :class:`AutoencoderImputer` keeps the
        observed ones. The autoencoder has no distribution to draw a
        completion from: use :class:`VAETransformer` for that.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Rows with missing entries (NaN, or any missing value of pandas).

        Returns
        -------
        X_completed : {ndarray, DataFrame} of shape (n_samples, n_features)
            In the units and float dtype of the training data; a DataFrame
            with its columns, dtypes and categories if the model was fitted
            on one.
        """
        return self._complete(X)

    def _make_module(self, n_inputs, hidden_layer_sizes, groups, generator):
        return build(
            Autoencoder,
            self._device,
            generator,
            n_inputs=n_inputs,
            n_components=self.n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=self.activation,
            groups=groups,
        )

    def _start_linear(self, pca, gaussian, bias):
        self.module_.start_at_pca(pca, gaussian, bias)

    def _errors(self, x):
        """Per-target reconstruction errors of encoded rows, and the parameters."""
        inputs, targets = self._table.split(x)
        params = self.module_(inputs)
        return self.module_.likelihood.reconstruction_error(params, targets), params

    def _row_losses(self, x, mask, epoch, generator):
        """Each row's summed error over its observed targets, and their count."""
        error, _ = self._errors(x)
        if mask is None:
            return error.sum(-1), error.new_full(error.shape[:1], error.shape[-1])
        return (error * mask).sum(-1), mask.sum(-1)

    def _encode(self, x, mask):
        return self.module_.encode(self._table.split(x)[0])

    def _score_rows(self, x, mask):
        return -self._feature_scores(x, mask).sum(-1)

    def _feature_scores(self, x, mask):
        """Error of each observed target over the row's observed count.

        A row's terms sum to its mean error: minus ``_score_rows``.
        """
        error, _ = self._errors(x)
        if mask is None:
            return error / error.shape[-1]
        return error * mask / mask.sum(-1, keepdim=True)

    def _complete_rows(self, x, mask, generator):
        """The reconstruction of every target (the autoencoder draws nothing)."""
        likelihood = self.module_.likelihood
        return likelihood.point(likelihood.expectation(self._errors(x)[1]))

    def _initialize(self, codes):
        super()._initialize(codes)
        self._density_rows, self._density = None, None

    def _after_fit(self, data, mask, incremental):
        """Keep a uniform sample of the training rows for the code density.

        At most ``_DENSITY_MAX_ROWS`` rows, on the CPU: those of a fit, or a
        reservoir sample (Vitter's algorithm R) of every ``partial_fit``
        chunk since the last fit, so that :meth:`sample` draws from all of
        them, not from the last chunk. The rows are encoded, and the mixture
        fitted, on the first call to :meth:`sample` after training. A model
        loaded with its density keeps it until two rows are kept again.
        """
        if not incremental or getattr(self, "_density_rows", None) is None:
            self._density_rows, self._rows_seen = data[:0].cpu(), 0
        self._density_rows = _reservoir(
            self._density_rows, data, self._rows_seen, _DENSITY_MAX_ROWS, self._rng)
        self._rows_seen += data.shape[0]
        self._density_seed = self._rng.randint(SEED_MAX)
        if self._density_rows.shape[0] >= 2 or getattr(self, "_density", None) is None:
            self._density = None

    def _plain_state(self, state):
        """Save the code density, not the training rows it is fitted on (a
        ``partial_fit`` after loading samples its rows anew)."""
        if getattr(self, "_density_rows", None) is not None:
            state["_density"] = self._code_density()
        state.pop("_density_rows", None)
        state.pop("_rows_seen", None)
        return state

    def _code_density(self):
        """The Gaussian mixture of the kept rows' codes, fitted once and cached."""
        if self._density is None:
            codes = self._map(self._encode, self._density_rows, None).astype(np.float64)
            distinct = np.unique(codes, axis=0).shape[0]  # rows streamed twice repeat
            self._density = GaussianMixture(
                n_components=min(_DENSITY_COMPONENTS, distinct),
                reg_covar=1e-4,
                init_params="k-means++",
                random_state=self._density_seed,
            ).fit(codes)
        return self._density

    def _sample_targets(self, n_samples, rng):
        mix = self._code_density()
        component = rng.choice(mix.n_components, size=n_samples, p=mix.weights_)
        noise = rng.standard_normal((n_samples, mix.means_.shape[1]))
        chol = np.linalg.cholesky(mix.covariances_)
        z = mix.means_[component] + np.einsum("nij,nj->ni", chol[component], noise)
        return self._map(self._decode, z.astype(np.float32))


def _reservoir(kept, rows, n_seen, size, rng):
    """``kept``, a uniform sample of ``n_seen`` rows, updated with ``rows``.

    Algorithm R (Vitter, 1985), a chunk at a time: the first ``size`` rows
    are kept; row ``t`` (counted from 0) after them replaces a random kept
    row with probability ``size / (t + 1)``. Only the rows kept are copied
    to ``kept``'s device.
    """
    free = max(0, size - kept.shape[0])
    kept = torch.cat([kept, rows[:free].to(kept.device)])
    rest = rows[free:]
    if not rest.shape[0]:
        return kept
    t = n_seen + free + np.arange(rest.shape[0])
    slot = (rng.random_sample(rest.shape[0]) * (t + 1)).astype(np.int64)
    chosen = np.flatnonzero(slot < size)
    if chosen.size:  # torch.cat made kept a copy; the last row for a slot wins
        last = dict(zip(slot[chosen].tolist(), chosen.tolist()))
        slots = torch.as_tensor(list(last), device=kept.device)
        chosen = torch.as_tensor(list(last.values()), device=rest.device)
        kept[slots] = rest[chosen].to(kept.device)
    return kept
