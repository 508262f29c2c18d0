"""VAETransformer: a variational autoencoder as a transformer and density."""

import math
from numbers import Integral, Real

import numpy as np
import torch

from ._base import BaseAutoencoder
from ._compat import Interval, StrOptions
from ._dask import lazy
from ._losses import (
    elbo,
    kl_standard_normal,
    log_mean_exp,
    posterior_log_density,
    standard_normal_log_density,
)
from ._nn import VariationalAutoencoder, build
from ._utils import SEED_MAX, make_generator

# Rounds of setting the missing inputs of a row with holes to the model's
# expectation of them before it is scored (VAETransformer._filled).
FILL_ROUNDS = 10


class VAETransformer(BaseAutoencoder):
    """Variational autoencoder for dimensionality reduction, density and sampling.

    A Gaussian encoder gives each row a posterior ``q(z | x)`` over
    ``n_components`` latent variables with a standard normal prior; the
    decoder gives a likelihood ``p(x | z)``. Training maximises the evidence
    lower bound with the KL term weighted by ``beta``. Inputs are
    standardised inside the model (with statistics that ignore NaN) unless
    the likelihood is Bernoulli; missing values (NaN) are allowed
    everywhere, and the likelihood counts observed entries only.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the latent space.

    hidden_layer_sizes : array-like of shape (n_layers,), default=(128, 64)
        Widths of the encoder's hidden layers; the decoder mirrors them.

    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
            "elu", "gelu", "silu"}, default="relu"
        Activation of the hidden layers.

    init : {"pca", "random"}, default="pca"
        How the network starts. ``"pca"``: encoder and decoder each have a
        linear shortcut beside their MLP, set to the principal components of
        the (standardised) training data, and the MLPs' output layers start
        at zero, so that training starts from probabilistic PCA (Tipping &
        Bishop, 1999) and learns what it misses.
        ``"random"``: every layer gets torch's default random
        initialisation.

    column_types : dict or None, default=None
        The type of some columns, ``{column: type}``, with the column's name
        (or its position in an array) and one of ``"real"``, ``"quantile"``,
        ``"positive"``, ``"signed-log"``, ``"spiked"``, ``"zero-inflated"``,
        ``"count"``, ``"spiked-count"``, ``"binary"``, ``"categorical"`` or
        ``"ordinal"``. The
        other columns of a DataFrame get the type its dtype and values say
        (see Notes); the other columns of an array are real (binary with
        ``likelihood="bernoulli"``).

    beta : float, default=1.0
        Weight of the KL term in the training objective (beta-VAE).

    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        Decoder distribution. ``"gaussian"``: a normal with a learned
        standard deviation per feature, on standardised data; on a feature
        whose values lie on a grid of step ``h`` (integers, grey levels in
        sixteenths) that deviation is at least ``h / sqrt(2 pi)``, so that
        no value gets a density above ``1 / h``.
        ``"bernoulli"``: for data in [0, 1] (binary or grey levels), which
        is then not standardised.

    n_importance_samples : int, default=50
        Importance samples per row used by :meth:`score_samples`.

    train_importance_samples : int, default=1
        Importance samples per row in the training objective. 1 trains on
        the ELBO (a VAE); more trains on the tighter importance-weighted
        bound (an IWAE, Burda et al. 2016; with missing values, MIWAE,
        Mattei & Frellsen 2019), at that multiple of the cost.

    kl_warmup : int, default=0
        Number of epochs over which the KL weight rises linearly from
        ``beta / kl_warmup`` to ``beta``; 0 disables the warm-up.

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
        ``n_iter_no_change`` consecutive epochs. The loss is in nats per row.

    early_stopping : bool, default=True
        Whether to hold out ``validation_fraction`` of the rows, stop when
        their ELBO stops improving and restore the best weights (those
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
        Share of each batch's rows whose loss trains the network, in
        (0, 1]: the rows the model fits worst get no weight in the network's
        fit, so it does not learn to reproduce outliers among the training
        rows (a trimmed likelihood, as in the Minimum Covariance
        Determinant); they still train the likelihood's own parameters
        (Gaussian scales, count dispersions, ordinal thresholds), with the
        network's outputs held fixed, so that the noise the model expects is
        that of every row. The PCA start takes its mean and axes from the
        rows it fits best, its variances from every row. The validation
        score of ``early_stopping`` counts every held-out row. None means
        every row;
        :class:`AutoencoderOutlierDetector` sets it to 0.75, or lower from
        its ``contamination``. See the User Guide.

    shuffle : bool, default=True
        Whether to shuffle the rows at each epoch.

    warm_start : bool, default=False
        When True, ``fit`` continues training the previous network instead
        of starting anew. Changing ``n_components``, ``hidden_layer_sizes``,
        ``activation``, ``likelihood`` or ``column_types`` in between (or
        before ``partial_fit``) raises a ``ValueError``: a trained network
        cannot be reshaped, nor its columns recoded.

    random_state : int, RandomState instance or None, default=None
        Controls weight initialisation, shuffling, the reparameterisation
        noise, the validation split and the scoring noise. Pass an int for
        reproducible results; on the CPU they are then identical bit for bit.

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
        of the value, its log (positive, count) or its level (ordinal) (0 for Bernoulli);
        NaN for the binary and categorical columns of a mixed table.

    scale_ : ndarray of shape (`n_features_in_`,)
        Per-column standard deviation of the same codes (1 for Bernoulli); NaN where
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
        Mean training loss (negative beta-weighted ELBO, in nats per row of
        standardised data) at each epoch.

    best_loss_ : float or None
        Lowest training loss; None with ``early_stopping``.

    validation_scores_ : list of float or None
        Validation ELBO per row at each epoch with ``early_stopping``, else
        None.

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
    AutoencoderTransformer : Deterministic autoencoder.
    sklearn.decomposition.FactorAnalysis : Linear Gaussian latent model.

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
    probabilistic PCA (``init="pca"``), and early stopping keeps the weights that
    do best on the held-out rows, the starting ones included, so the default
    model does not fall below the linear model it contains on data like its
    training data; without early stopping, it overfits small tables.
    ``benchmarks/bench_defaults.py`` measures this on 16 tables of 105 to
    200,000 rows.

    :meth:`transform` returns the posterior mean, so it is deterministic.
    :meth:`score_samples` is the importance-weighted estimate of
    ``log p(x)`` of Burda et al. (2016) with ``n_importance_samples``
    samples, in nats and in the units of the input (the standardisation's
    Jacobian is included), over the observed entries of each row; a cell at
    the point mass of a spiked, zero-inflated or spiked-count column adds
    the log of its probability, a mass rather than a density (as a count's
    probability is). The noise
    is fixed per importance-sample index, so a row's score does not depend
    on the other rows, the batch or the call. :meth:`score` is its mean: the
    held-out log-likelihood that model selection maximises.
    :meth:`sample` draws ``z`` from the prior and ``x`` from ``p(x | z)``;
    ``inverse_transform`` of prior draws gives the decoder means instead.

    References
    ----------
    .. [1] Kingma, D. P. and Welling, M. (2014). Auto-encoding variational
       Bayes. ICLR.
    .. [2] Burda, Y., Grosse, R. and Salakhutdinov, R. (2016). Importance
       weighted autoencoders. ICLR.
    .. [3] Higgins, I. et al. (2017). beta-VAE: Learning basic visual
       concepts with a constrained variational framework. ICLR.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skvae import VAETransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> vae = VAETransformer(n_components=2, max_iter=5, random_state=0)
    >>> vae.fit_transform(X).shape
    (1797, 2)
    """

    _can_draw = True
    _start_from_scalar_inputs = True

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "likelihood": [StrOptions({"gaussian", "bernoulli"})],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "train_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "kl_warmup": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        init="pca",
        column_types=None,
        beta=1.0,
        likelihood="gaussian",
        n_importance_samples=50,
        train_importance_samples=1,
        kl_warmup=0,
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
        self.beta = beta
        self.likelihood = likelihood
        self.n_importance_samples = n_importance_samples
        self.train_importance_samples = train_importance_samples
        self.kl_warmup = kl_warmup

    @lazy(lambda self, X: self._output_meta(self._dtype))
    def complete(self, X, *, sample_posterior=False, random_state=None):
        """Every entry of the rows of X, given each row's observed entries.

        The model's expected value of each entry given what its row holds:
        the self-normalised importance-weighted mean of ``E[x | z_k]`` over
        ``n_importance_samples`` draws ``z_k`` from ``q(z | x_obs)``
        (Mattei & Frellsen, 2019), then each column's point value (the most
        probable class of a categorical column). With ``sample_posterior``,
        one draw instead. Observed entries get the model's value too;
        :class:`AutoencoderImputer` keeps the observed ones. A row with
        nothing observed gets the model's answer given nothing.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Rows with missing entries (NaN, or any missing value of pandas).

        sample_posterior : bool, default=False
            Draw each row from the model given its observed entries
            (sampling importance resampling over ``2 n_importance_samples``
            draws, half from ``q(z | x_obs)`` and half from the prior, then
            ``x`` from ``p(x | z)``), instead of taking the expected value.

        random_state : int, RandomState instance or None, default=None
            Controls the draws of ``sample_posterior=True``.

        Returns
        -------
        X_completed : {ndarray, DataFrame} of shape (n_samples, n_features)
            In the units and float dtype of the training data; a DataFrame
            with its columns, dtypes and categories if the model was fitted
            on one.
        """
        return self._complete(X, random_state=random_state, draw=sample_posterior)

    # ----------------------------------------------------------- the model
    def _default_type(self):
        return "binary" if self.likelihood == "bernoulli" else "real"

    def _architecture(self):
        return {**super()._architecture(), "likelihood": self.likelihood}

    def _initialize(self, codes):
        super()._initialize(codes)
        self._score_seed = self._rng.randint(SEED_MAX)

    def _make_module(self, n_inputs, hidden_layer_sizes, groups, generator):
        return build(
            VariationalAutoencoder,
            self._device,
            generator,
            n_inputs=n_inputs,
            n_components=self.n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=self.activation,
            groups=groups,
        )

    def _start_linear(self, pca, gaussian, bias):
        self.module_.start_at_ppca(pca, gaussian, bias)

    def _min_epochs(self):
        """The KL warm-up's remaining epochs."""
        return max(0, self.kl_warmup - len(self._history.loss_curve))

    def _log_likelihood(self, targets, params, mask):
        """log p(x | z) summed over the observed targets."""
        return _observed_sum(self.module_.likelihood.log_prob(params, targets), mask)

    def _kl_weight(self, epoch):
        if not self.kl_warmup or epoch is None:
            return self.beta
        return self.beta * min(1.0, (epoch + 1) / self.kl_warmup)

    def _row_losses(self, x, mask, epoch, generator):
        """Minus each row's ELBO (or importance-weighted bound), one term each.

        While training trimmed (``support_fraction < 1``), also the same
        losses with the decoder's outputs held fixed, through which the rows
        left out of the network's fit still train the likelihood's own
        parameters (such as the Gaussian scales).
        """
        inputs, targets = self._table.split(x)
        mean, log_var = self.module_.encode(inputs)
        n_samples = self.train_importance_samples
        noise = torch.randn(
            (n_samples, *mean.shape), generator=generator, device=x.device,
            dtype=x.dtype,
        )
        beta = self._kl_weight(epoch)
        if n_samples > 1:
            log_w, params, _ = self._importance_sample(
                x, mask, noise, (mean, log_var), beta
            )
        else:  # one sample: the ELBO, as a (1, N) log-weight
            params = self.module_.decode(mean + torch.exp(0.5 * log_var) * noise)
            kl = kl_standard_normal(mean, log_var)
            log_w = elbo(self._log_likelihood(targets, params, mask), kl, beta)
        losses = -log_mean_exp(log_w, dim=0)
        if epoch is None or self._support_fraction() == 1.0:
            return losses, None
        fixed = self._log_likelihood(targets, params.detach(), mask)
        return losses, None, -log_mean_exp(fixed + (log_w - fixed).detach(), dim=0)

    def _encode(self, x, mask):
        return self.module_.encode(self._table.split(x)[0])[0]

    # ------------------------------------------------------------- scoring
    def _importance_noise(self, device):
        """Fixed standard normal noise, one row per importance-sample index.

        Shape ``(n_importance_samples, 1, n_components)``: shared by all rows,
        so a row's estimate depends on nothing but the row.
        """
        generator = make_generator(self._score_seed, "cpu")
        noise = torch.randn(
            self.n_importance_samples, 1, self.n_components, generator=generator,
            dtype=torch.float32,
        )
        return noise.to(device)

    def _importance_sample(self, x, mask, noise, posterior=None, beta=1.0):
        """Importance log-weights, decoder outputs and log-probabilities of each sample.

        Parameters
        ----------
        x : Tensor of shape (N, width)
            Encoded rows (inputs and targets, missing entries at 0).
        mask : Tensor of shape (N, n_targets) or None
            The targets' observed mask.
        noise : Tensor of shape (K, N or 1, n_components)
            Standard normal noise for the reparameterisation.
        posterior : tuple of Tensor, default=None
            ``(mean, log_var)`` of ``q(z | x)`` if already computed.
        beta : float, default=1.0
            Weight of ``log p(z) - log q(z | x)`` in the log-weights.

        Returns
        -------
        log_weights : Tensor of shape (K, N)
            ``log p(x_obs | z_k) + beta * (log p(z_k) - log q(z_k | x))``.
        params : Tensor of shape (K, N, width)
            The likelihoods' parameters at each ``z_k``.
        log_prob : Tensor of shape (K, N, n_targets)
            ``log p(x_j | z_k)`` of every target, observed or not.
        """
        inputs, targets = self._table.split(x)
        mean, log_var = self.module_.encode(inputs) if posterior is None else posterior
        z = mean + torch.exp(0.5 * log_var) * noise
        log_ratio = standard_normal_log_density(z) - posterior_log_density(
            noise, log_var
        )
        return self._weigh(targets, mask, z, log_ratio, beta)

    def _weigh(self, targets, mask, z, log_ratio, beta=1.0):
        """``log p(x_obs | z) + beta * log_ratio``, the decoder output at ``z``
        and each target's ``log p(x_j | z)``.

        ``log_ratio`` is ``log p(z)`` minus the log density of the proposal
        that drew ``z``.
        """
        params = self.module_.decode(z)
        log_prob = self.module_.likelihood.log_prob(params, targets)
        return _observed_sum(log_prob, mask) + beta * log_ratio, params, log_prob

    def _score_rows(self, x, mask):
        log_w, _, _ = self._scoring_samples(x, mask)
        return log_mean_exp(log_w, dim=0)

    def _scoring_samples(self, x, mask):
        """:meth:`_importance_sample` over the fixed noise, from the
        :meth:`_filled` rows: what scores and attributions are estimated with."""
        return self._importance_sample(
            self._filled(x, mask), mask, self._importance_noise(x.device)
        )

    def _filled(self, x, mask):
        """Encoded rows whose missing inputs hold the model's expectation of
        them: what the importance samples of a row with holes are drawn from.

        A missing entry reaches the encoder at the training mean; on
        correlated columns that puts the posterior far from the codes that
        explain the row's observed entries, and the importance samples miss
        them (the log-likelihood of the observed entries came out tens of
        nats low). ``FILL_ROUNDS`` times, the missing inputs of the rows
        with holes are set to the decoder's expectation at the posterior
        mean. Only the proposal changes: the weights still score the
        observed entries, so the estimate is of ``log p(x_obs)`` whatever
        the fill. Only where the inputs are the targets (every column
        Gaussian, or every column Bernoulli), and never in a column not
        observed in fit, which the encoder only ever saw at 0.
        """
        if mask is None or not self._table.shared:
            return x
        observed = torch.as_tensor(self._table.observed_targets(), device=x.device)
        missing = (mask == 0) & observed
        rows = missing.any(-1)
        if not rows.any():
            return x
        holes, given = missing[rows], x[rows]
        filled = given
        for _ in range(FILL_ROUNDS):
            mean, _ = self.module_.encode(filled)
            filled = torch.where(holes, self._decode(mean), given)
        out = x.clone()
        out[rows] = filled
        return out

    def _score_samples(self, codes):
        # the density of the coded targets, times the Jacobian of the coding
        return super()._score_samples(codes) + self._table.log_jacobian(codes)

    def _feature_scores(self, x, mask):
        """Posterior expectation of ``-log p(x_j | z)`` for each target.

        Estimated with the importance samples of ``_score_rows``
        (:meth:`_scoring_samples`) and their
        self-normalised weights, in nats, on the coded targets (no
        Jacobian). A row's terms sum to the reconstruction part of
        ``-log p(x) = E_p(z|x)[-log p(x | z)] + KL(p(z | x) || p(z))``.
        """
        log_w, _, log_prob = self._scoring_samples(x, mask)
        weights = torch.softmax(log_w, dim=0).unsqueeze(-1)
        terms = -(weights * log_prob).sum(0)
        return terms if mask is None else terms * mask

    def _complete_rows(self, x, mask, generator):
        """The conditional expectation of every target, or one draw (MIWAE).

        Expectation: the self-normalised importance-weighted mean
        ``sum_k w_k E[x | z_k]`` over the fixed noise of ``_score_rows``
        (Mattei & Frellsen, 2019), then each likelihood's point prediction
        (the most probable class of a categorical column, the median level
        of an ordinal one). Draw: sampling
        importance resampling, one of fresh draws ``z_k`` picked with
        probability ``w_k``, then ``x`` drawn from ``p(x | z_k)``; the draws
        come half from ``q(z | x)`` and half from the prior, weighted
        against their mixture (defensive importance sampling, Hesterberg
        1995), so that a row whose observed cells the encoder maps poorly
        (few cells given to a model trained on whole rows) still reaches
        the codes that explain them.
        """
        likelihood = self.module_.likelihood
        if generator is None:
            log_w, params, _ = self._importance_sample(
                x, mask, self._importance_noise(x.device)
            )
            weights = torch.softmax(log_w, dim=0)
            return likelihood.point(likelihood.weighted_expectation(params, weights))
        log_w, params, _ = self._defensive_sample(x, mask, generator)
        k = torch.multinomial(torch.softmax(log_w, dim=0).T, 1, generator=generator)
        index = k.T.unsqueeze(-1).expand(1, *params.shape[1:])
        return likelihood.sample(params.gather(0, index)[0], generator)

    def _defensive_sample(self, x, mask, generator):
        """Log-weights, decoder outputs and log-probabilities (see :meth:`_weigh`)
        of ``2 n_importance_samples`` fresh draws.

        Half from ``q(z | x)``, half from ``p(z)``, each weighted by
        ``p(x_obs | z) p(z) / (q(z | x) / 2 + p(z) / 2)``.
        """
        inputs, targets = self._table.split(x)
        mean, log_var = self.module_.encode(inputs)
        shape = (2 * self.n_importance_samples, x.shape[0], self.n_components)
        draws = torch.randn(shape, generator=generator, device=x.device, dtype=x.dtype)
        from_q, from_prior = draws.chunk(2)
        std = torch.exp(0.5 * log_var)
        z = torch.cat([mean + std * from_q, from_prior])
        # each draw's noise under q: the q draws' own, the prior draws' standardised
        noise = torch.cat([from_q, (from_prior - mean) / std])
        log_prior = standard_normal_log_density(z)
        log_mixture = torch.logaddexp(
            posterior_log_density(noise, log_var), log_prior
        ) - math.log(2.0)
        return self._weigh(targets, mask, z, log_prior - log_mixture)

    def _score_chunk(self, width):
        """Rows per chunk that keep importance sampling in budget."""
        return self._rows_in_budget(width, self.n_importance_samples)

    def _validation_chunk(self):
        return self._rows_in_budget(self._table.width, self.train_importance_samples)

    # ------------------------------------------------------------ sampling
    def _sample_targets(self, n_samples, rng):
        """Draws of ``z`` from the prior, then of the targets from ``p(x | z)``."""
        z = rng.standard_normal((n_samples, self.n_components)).astype(np.float32)
        generator = make_generator(rng.randint(SEED_MAX), self._device)
        likelihood = self.module_.likelihood
        return self._map(
            lambda z: likelihood.sample(self.module_.decode(z), generator), z
        )


def _observed_sum(log_prob, mask):
    """Each row's sum of ``log_prob`` over its observed targets (``mask``; None: all)."""
    return (log_prob if mask is None else log_prob * mask).sum(-1)
