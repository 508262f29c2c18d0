"""torch modules: an MLP builder, a residual MLP and the two autoencoder networks.

Only ``torch.nn`` here. Modules are initialised with a local generator
(:meth:`reset_parameters`), so building a network never changes torch's
global random state.
"""

import copy
import math
from dataclasses import dataclass

import torch
from torch import nn

from ._likelihoods import TableLikelihood

ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}

# Range of the encoder's posterior log-variance. Training stays well inside
# it (the KL term pulls the variance towards 1); it keeps the
# reparameterisation finite on rows far outside the training data, which an
# outlier detector has to score.
LOG_VAR_RANGE = (-30.0, 10.0)


class Linear(nn.Linear):
    """``nn.Linear`` without its default initialisation.

    ``nn.Linear`` draws its starting weights from torch's global random
    state; the networks here are initialised from a generator of their own
    (:func:`reset_linear`), so that building one neither reads nor changes
    that state, in any thread.
    """

    def reset_parameters(self):
        pass


def make_mlp(sizes, activation, activate_last=False):
    """A stack of ``Linear`` layers through ``sizes``, ``activation`` between them.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first: ``(64, 128, 8)`` gives two linear layers.
    activation : str
        A key of :data:`ACTIVATIONS`.
    activate_last : bool, default=False
        Whether the last linear layer is followed by the activation too.
    """
    layers = []
    n_linear = len(sizes) - 1
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out))
        if i < n_linear - 1 or activate_last:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def reset_linear(module, generator):
    """Re-initialise every ``Linear`` as torch does, from ``generator``."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            bound = 1.0 / math.sqrt(layer.in_features)
            nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def build(cls, device, generator, **kwargs):
    """Construct ``cls(**kwargs)`` in float32 on ``device``, without the global RNG.

    The layers are :class:`Linear`, which skip torch's default
    initialisation (it draws from the global random state); every
    parameter is then set from ``generator`` by ``reset_parameters``. The
    dtype is set explicitly: the caller's ``torch.set_default_dtype`` must
    not change the model. Not on the ``meta`` device: materialising meta
    tensors imports ``sympy`` (a third of a second) at the first fit of a
    process.
    """
    with torch.device(device):
        module = cls(**kwargs)
    # .to(device) too: a module may make some tensors on the CPU on purpose
    module = module.to(device=device, dtype=torch.float32)
    module.reset_parameters(generator)
    return module


class ResidualMLP(nn.Module):
    """An MLP plus a linear shortcut from its input to its output.

    ``forward(x) = mlp(x) + shortcut(x)``. The shortcut lets the network hold
    an affine map exactly: :meth:`start_affine` sets it and zeroes the MLP's
    output layer, so that training starts from a linear model (PCA) and the
    MLP learns what the linear model misses. With no hidden layers the MLP
    is itself affine and there is no shortcut.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths of the MLP, input first.
    activation : str
        A key of :data:`ACTIVATIONS`.

    Shape
    -----
    - Input: ``(*, sizes[0])``; output: ``(*, sizes[-1])``.
    """

    def __init__(self, sizes, activation):
        super().__init__()
        self.mlp = make_mlp(sizes, activation)
        self.shortcut = Linear(sizes[0], sizes[-1]) if len(sizes) > 2 else None

    def forward(self, x):
        # each layer's forward, not its __call__: on a batch of a few hundred
        # rows the machinery of a module call (hooks) costs about as much as
        # the layer's product, and these layers have no hooks
        out = x
        for layer in self.mlp:
            out = layer.forward(out)
        return out if self.shortcut is None else out + self.shortcut.forward(x)

    def start_affine(self, weight, bias):
        """Make the network compute ``x @ weight.T + bias``.

        ``weight`` has shape ``(sizes[-1], sizes[0])``. The MLP's output layer
        is set to zero (its other layers keep their values, so it learns as
        soon as training starts), and the shortcut to the map.
        """
        last = self.mlp[-1]
        target = last if self.shortcut is None else self.shortcut
        with torch.no_grad():
            if self.shortcut is not None:
                last.weight.zero_()
                last.bias.zero_()
            target.weight.copy_(weight)
            target.bias.copy_(bias)


class FusedMLP:
    """A :class:`ResidualMLP` for inference: fewer products, affine maps folded in.

    Computes ``residual((x - in_shift) / in_scale)[:, :n_outputs] * out_scale
    + out_shift``. The shortcut shares the first matrix product with the
    MLP's first layer, and its result is the addend of the MLP's last; the
    affine maps are folded into the layers that read the input and those
    that write the output. Folded in float64, stored in float32: a snapshot
    of the weights. Not a :class:`torch.nn.Module`: it has no gradients,
    modes or state to keep, and a module's bookkeeping costs more than the
    products on a single row.

    Parameters
    ----------
    residual : ResidualMLP
        The network.
    in_shift, in_scale : array-like of shape (n_inputs,), default=None
        What the input is standardised by (None: 0 and 1).
    out_scale, out_shift : array-like of shape (n_outputs,), default=None
        What the output is unstandardised by (None: 1 and 0).
    n_outputs : int, default=None
        How many of the first outputs to compute (None: all).

    Shape
    -----
    - Input: ``(N, n_inputs)``; output: ``(N, n_outputs)``.
    """

    def __init__(self, residual, in_shift=None, in_scale=None, out_scale=None,
                 out_shift=None, n_outputs=None):
        linear = [m for m in residual.mlp if isinstance(m, nn.Linear)]
        layers = [_float64(m) for m in linear]
        shortcut = None if residual.shortcut is None else _float64(residual.shortcut)
        layers[-1] = _first_rows(*layers[-1], n_outputs)
        if in_scale is not None:
            layers[0] = _fold_input(*layers[0], in_shift, in_scale)
        if out_scale is not None:
            layers[-1] = _fold_output(*layers[-1], out_scale, 0.0 if shortcut else out_shift)
        if shortcut is not None:
            shortcut = _first_rows(*shortcut, n_outputs)
            if in_scale is not None:
                shortcut = _fold_input(*shortcut, in_shift, in_scale)
            if out_scale is not None:
                shortcut = _fold_output(*shortcut, out_scale, out_shift)
            # the first product computes the first layer and the shortcut, whose
            # result (plus the last layer's bias) the last product adds to
            (w_first, b_first), (w_last, b_last) = layers[0], layers[-1]
            layers[0] = (torch.cat([w_first, shortcut[0]]),
                         torch.cat([b_first, shortcut[1] + b_last]))
            layers[-1] = (w_last, None)
            self.width = w_first.shape[0]
        device = linear[0].weight.device
        stored = lambda t: None if t is None else t.to(device, torch.float32)  # noqa: E731
        # (in, out) weights: the layer is x @ weight + bias
        self.layers = [(stored(w.T.contiguous()), stored(b)) for w, b in layers]
        activation = [m for m in residual.mlp if not isinstance(m, nn.Linear)][:1]
        self.activation = copy.deepcopy(activation[0]) if activation else None
        if hasattr(self.activation, "inplace"):
            # it only ever sees tensors made here: no new tensor per layer
            self.activation.inplace = True

    def parameters(self):
        """The weights and biases, as :meth:`torch.nn.Module.parameters` gives them.

        What the thread rule (:func:`._threads.cpu_threads`) counts.
        """
        return [t for layer in self.layers for t in layer if t is not None]

    def __call__(self, x):
        # torch.mm, then add_: on the CPU, 10 to 20% faster than torch.addmm
        # with the bias as its addend
        (weight, bias), *layers = self.layers
        first = torch.mm(x, weight).add_(bias)
        if not layers:
            return first
        h = self.activation(first[:, : self.width])
        for weight, bias in layers[:-1]:
            h = self.activation(torch.mm(h, weight).add_(bias))
        return torch.mm(h, layers[-1][0]).add_(first[:, self.width :])


def _float64(linear):
    """``(weight, bias)`` of a ``Linear``, as float64 tensors on the CPU."""
    return tuple(p.detach().to("cpu", torch.float64) for p in (linear.weight, linear.bias))


def _first_rows(weight, bias, n_rows):
    """The layer computing only its first ``n_rows`` outputs (None: all)."""
    return weight[:n_rows], bias[:n_rows]


def _fold_input(weight, bias, shift, scale):
    """The layer applied to ``(x - shift) / scale``, as a layer of ``x``."""
    weight = weight / torch.as_tensor(scale, dtype=torch.float64)
    return weight, bias - weight @ torch.as_tensor(shift, dtype=torch.float64)


def _fold_output(weight, bias, scale, shift):
    """The layer followed by ``* scale + shift``, as one layer."""
    scale = torch.as_tensor(scale, dtype=torch.float64)
    return weight * scale[:, None], bias * scale + torch.as_tensor(shift, dtype=torch.float64)


class Autoencoder(nn.Module):
    """Deterministic autoencoder: ``inputs -> code -> likelihood parameters``.

    Encoder and decoder are residual MLPs (:class:`ResidualMLP`), so the
    autoencoder can start from PCA (:meth:`start_at_pca`). The decoder gives
    the parameters of each column's likelihood (``likelihood``); the
    autoencoder is trained on their reconstruction errors (squared errors of
    the real columns).

    Parameters
    ----------
    n_inputs : int
        Input width.
    n_components : int
        Code width.
    hidden_layer_sizes : tuple of int
        Encoder hidden widths; the decoder mirrors them.
    activation : str
        Hidden activation, a key of :data:`ACTIVATIONS`.
    groups : list of (str, int or list of int)
        The table's likelihoods, as :class:`~._likelihoods.TableLikelihood`
        takes them.

    Shape
    -----
    - Input: ``(N, n_inputs)``; code: ``(N, n_components)``; decoder output:
      ``(N, likelihood.width)``.
    """

    def __init__(self, n_inputs, n_components, hidden_layer_sizes, activation, groups):
        super().__init__()
        self.likelihood = TableLikelihood(groups)
        self.encoder = ResidualMLP(
            (n_inputs, *hidden_layer_sizes, n_components), activation
        )
        self.decoder = ResidualMLP(
            (n_components, *hidden_layer_sizes[::-1], self.likelihood.width), activation
        )

    def reset_parameters(self, generator):
        reset_linear(self, generator)
        self.likelihood.reset_parameters(generator)

    def start_at_pca(self, pca, gaussian, bias):
        """Start as PCA: code the principal coordinates, decode linearly.

        ``pca`` is a :class:`LinearStart` of the inputs; ``gaussian`` the
        input position of each Gaussian target (the first outputs), which
        the decoder reconstructs from the components; ``bias`` the decoder
        bias of the other likelihoods' marginals, which ignore the code.
        """
        k = self.encoder.mlp[-1].out_features
        components = _pad_zeros(pca.components, k)
        self.encoder.start_affine(components, -components @ pca.mean)
        self.decoder.start_affine(*_decoder_start(components.T, pca.mean, gaussian, bias))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class VariationalAutoencoder(nn.Module):
    """Gaussian-encoder VAE whose decoder gives each column's likelihood.

    The encoder gives the posterior mean and log-variance side by side; the
    decoder the parameters of the table's likelihoods (``likelihood``):
    Gaussian means with learned scales, Bernoulli logits, class logits,
    ordinal locations and count log-means. Both are residual MLPs
    (:class:`ResidualMLP`), so the VAE can start from probabilistic PCA
    (:meth:`start_at_ppca`).

    Parameters
    ----------
    n_inputs, n_components, hidden_layer_sizes, activation, groups
        As in :class:`Autoencoder`.

    Shape
    -----
    - Input: ``(N, n_inputs)``; posterior mean and log-variance:
      ``(N, n_components)``; decoder output: ``(..., N, likelihood.width)``.
    """

    def __init__(self, n_inputs, n_components, hidden_layer_sizes, activation, groups):
        super().__init__()
        self.likelihood = TableLikelihood(groups)
        self.encoder = ResidualMLP(
            (n_inputs, *hidden_layer_sizes, 2 * n_components), activation
        )
        self.decoder = ResidualMLP(
            (n_components, *hidden_layer_sizes[::-1], self.likelihood.width), activation
        )

    def reset_parameters(self, generator):
        reset_linear(self, generator)
        self.likelihood.reset_parameters(generator)

    def start_at_ppca(self, pca, gaussian, bias):
        """Start as probabilistic PCA (Tipping & Bishop, 1999).

        With principal axes ``V``, variances ``lam`` and noise variance
        ``s2`` (a :class:`LinearStart`), probabilistic PCA decodes
        ``x = V.T @ diag(sqrt(lam - s2)) @ z + mean`` with noise ``s2``, and
        its posterior is ``N(diag(sqrt(lam - s2) / lam) @ V @ (x - mean),
        diag(s2 / lam))`` (eq. 6 and 7 there, with ``M`` diagonal for these
        axes): a Gaussian encoder holds it exactly, so that on a table of
        real columns the VAE's bound starts at probabilistic PCA's
        log-likelihood. Latent variables beyond the components start as the
        prior, unused. The Gaussian targets (input positions ``gaussian``)
        are decoded by the loadings; the other likelihoods start at their
        marginals, ``bias``, and ignore the code.
        """
        k = self.decoder.mlp[0].in_features
        variances = pca.variances.clamp(min=pca.noise_variance)
        loading = (variances - pca.noise_variance).sqrt()
        encode = _pad_zeros((loading / variances)[:, None] * pca.components, k)
        log_var = _pad_zeros((pca.noise_variance / variances).log()[:, None], k)[:, 0]
        weight = torch.cat([encode, torch.zeros_like(encode)])
        self.encoder.start_affine(weight, torch.cat([-encode @ pca.mean, log_var]))
        decode = _pad_zeros(loading[:, None] * pca.components, k).T
        self.decoder.start_affine(*_decoder_start(decode, pca.mean, gaussian, bias))
        gaussian_part = self.likelihood.gaussian()
        if gaussian_part is not None:
            with torch.no_grad():
                gaussian_part.log_scale.fill_(0.5 * math.log(pca.noise_variance))

    def encode(self, x):
        """Posterior mean and log-variance, each ``(N, n_components)``."""
        mean, log_var = self.encoder(x).chunk(2, dim=-1)
        return mean, log_var.clamp(*LOG_VAR_RANGE)

    def decode(self, z):
        """The likelihoods' parameters at ``z``."""
        return self.decoder(z)


def _decoder_start(loadings, mean, gaussian, bias):
    """Weight and bias of a decoder that starts linear on the Gaussian targets.

    ``loadings`` ``(n_inputs, k)`` and ``mean`` ``(n_inputs,)`` of the inputs;
    the Gaussian targets, the first outputs, take the rows of their inputs
    (``gaussian``); the other outputs get zero weights and ``bias``.
    """
    weight = loadings.new_zeros(bias.shape[0], loadings.shape[1])
    bias = bias.to(loadings.dtype).clone()
    index = torch.as_tensor(gaussian, dtype=torch.long)
    weight[: len(index)] = loadings[index]
    bias[: len(index)] = mean[index]
    return weight, bias


@dataclass
class LinearStart:
    """The linear model a network starts from, as float64 tensors.

    ``components`` ``(r, n_features)``: orthonormal principal axes (rows);
    ``variances`` ``(r,)``: the variance along each; ``noise_variance``: the
    mean variance left outside them (a float); ``mean`` ``(n_features,)``.
    """

    components: torch.Tensor
    variances: torch.Tensor
    noise_variance: float
    mean: torch.Tensor


def _pad_zeros(matrix, n_rows):
    """``matrix`` with zero rows appended up to ``n_rows`` rows."""
    padding = matrix.new_zeros(n_rows - matrix.shape[0], *matrix.shape[1:])
    return torch.cat([matrix, padding])
