"""torch modules: an MLP builder, encoders and the two autoencoder networks.

Only ``torch.nn`` here. Modules are created on the ``meta`` device and
initialised with a local generator (:meth:`reset_parameters`), so building a
network never touches torch's global random state.
"""

import math

import torch
from torch import nn

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

# Lower bound on the Gaussian decoder's standard deviation, in standardised
# units: keeps the likelihood finite on (near-)constant features.
MIN_LOG_SCALE = math.log(1e-3)
# Range of the encoder's posterior log-variance. Training stays well inside
# it (the KL term pulls the variance towards 1); it keeps the
# reparameterisation finite on rows far outside the training data, which an
# outlier detector has to score.
LOG_VAR_RANGE = (-30.0, 10.0)


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
        layers.append(nn.Linear(n_in, n_out))
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
    """Construct ``cls(**kwargs)`` on ``device`` without the global RNG."""
    with torch.device("meta"):
        module = cls(**kwargs)
    module = module.to_empty(device=device)
    module.reset_parameters(generator)
    return module


class Autoencoder(nn.Module):
    """Deterministic autoencoder: ``x -> code -> reconstruction``.

    Parameters
    ----------
    n_features : int
        Input width.
    n_components : int
        Code width.
    hidden_layer_sizes : tuple of int
        Encoder hidden widths; the decoder mirrors them.
    activation : str
        Hidden activation, a key of :data:`ACTIVATIONS`.

    Shape
    -----
    - Input: ``(N, n_features)``; code: ``(N, n_components)``.
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes, activation):
        super().__init__()
        sizes = (n_features, *hidden_layer_sizes, n_components)
        self.encoder = make_mlp(sizes, activation)
        self.decoder = make_mlp(sizes[::-1], activation)

    def reset_parameters(self, generator):
        reset_linear(self, generator)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class VariationalAutoencoder(nn.Module):
    """Gaussian-encoder VAE with a Gaussian or Bernoulli decoder.

    The encoder body is followed by one ``Linear`` head giving the posterior
    mean and log-variance. The decoder outputs the likelihood's location: the
    mean (Gaussian, with a learned per-feature log standard deviation
    ``log_scale``) or the logits (Bernoulli).

    Parameters
    ----------
    n_features, n_components, hidden_layer_sizes, activation
        As in :class:`Autoencoder`.
    likelihood : {"gaussian", "bernoulli"}
        Decoder distribution.

    Shape
    -----
    - Input: ``(N, n_features)``; posterior mean and log-variance:
      ``(N, n_components)``.
    """

    def __init__(
        self, n_features, n_components, hidden_layer_sizes, activation, likelihood
    ):
        super().__init__()
        self.likelihood = likelihood
        body = (n_features, *hidden_layer_sizes)
        self.encoder = make_mlp(body, activation, activate_last=True)
        self.head = nn.Linear(body[-1], 2 * n_components)
        self.decoder = make_mlp(
            (n_components, *hidden_layer_sizes[::-1], n_features), activation
        )
        self.log_scale = nn.Parameter(torch.empty(n_features))

    def reset_parameters(self, generator):
        reset_linear(self, generator)
        with torch.no_grad():
            self.log_scale.zero_()

    def extra_repr(self):
        return f"likelihood={self.likelihood!r}"

    def encode(self, x):
        """Posterior mean and log-variance, each ``(N, n_components)``."""
        mean, log_var = self.head(self.encoder(x)).chunk(2, dim=-1)
        return mean, log_var.clamp(*LOG_VAR_RANGE)

    def decode(self, z):
        """Decoder location: Gaussian mean or Bernoulli logits."""
        return self.decoder(z)

    def scale(self):
        """Gaussian decoder standard deviation, ``(n_features,)``."""
        return self.log_scale.clamp(min=MIN_LOG_SCALE).exp()

    def mean(self, z):
        """Expected reconstruction ``E[x | z]`` in the model's (scaled) units."""
        out = self.decoder(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out
