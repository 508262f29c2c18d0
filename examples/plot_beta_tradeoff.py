"""
=====================================================
The beta trade-off: reconstruction against regularity
=====================================================

:class:`~skvae.VAETransformer` maximises the evidence lower bound::

    E[log p(x | z)] - beta * KL(q(z | x) || p(z)),

a reconstruction term minus ``beta`` times the KL divergence of the
posterior from the prior. With ``beta < 1`` the model favours
reconstruction and its codes drift away from the prior; with ``beta > 1``
(a beta-VAE) it keeps the posteriors close to the prior, which costs
reconstruction and, past some point, switches latent dimensions off
altogether. ``beta = 1`` is the ELBO itself, the bound on the
log-likelihood.

This example fits a VAE with eight latent dimensions on the digits for
several values of ``beta`` and measures, on held-out digits, the
reconstruction error, the log-likelihood that ``score`` estimates, and the
number of latent dimensions in use.
"""

# %%
# Fit one model per beta
# ----------------------
# Every model trains for the same 150 epochs, so that only ``beta``
# differs; the loss is still improving slowly by then, which the
# :class:`~sklearn.exceptions.ConvergenceWarning` we silence would say.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skvae import LatentSpaceDisplay, VAETransformer

warnings.filterwarnings("ignore", category=ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)


def reconstruction_error(vae, X):
    return np.mean((vae.inverse_transform(vae.transform(X)) - X) ** 2)


betas = [0.1, 0.3, 1.0, 3.0, 10.0]
models, train_errors, test_errors, scores, active = {}, [], [], [], []
for beta in betas:
    vae = VAETransformer(n_components=8, beta=beta, max_iter=150, random_state=0)
    models[beta] = vae.fit(X_train)
    train_errors.append(reconstruction_error(vae, X_train))
    test_errors.append(reconstruction_error(vae, X_test))
    scores.append(vae.score(X_test))
    # a dimension is in use when its posterior mean varies across the digits
    active.append(int(np.sum(vae.transform(X_test).var(axis=0) > 0.05)))
    print(
        f"beta={beta:>4}: MSE {train_errors[-1]:5.2f} train {test_errors[-1]:5.2f} "
        f"test, log-likelihood {scores[-1]:6.1f}, {active[-1]} active dimensions"
    )

# %%
# The trade-off
# -------------
# The reconstruction error of the training digits grows with ``beta``: the
# KL term pulls each posterior towards the prior, so the codes carry less
# about their row. On held-out digits the smallest ``beta`` does no better
# than the next one: with little regularisation the model starts to
# overfit. The held-out log-likelihood, the quantity that model selection
# with ``score`` maximises, peaks near ``beta = 1``: a small ``beta`` leaves
# codes where the prior puts little mass, a large one throws information
# away. A large ``beta`` also switches dimensions off (posterior collapse):
# their posterior is the prior whatever the digit.
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
axes[0].plot(betas, train_errors, marker="o", label="training digits")
axes[0].plot(betas, test_errors, marker="o", label="held-out digits")
axes[0].legend()
axes[0].set_title("reconstruction MSE")
axes[1].plot(betas, scores, marker="o")
axes[1].set_title("held-out log-likelihood (nats)")
axes[2].plot(betas, active, marker="o")
axes[2].set_title("active latent dimensions")
for ax in axes:
    ax.set_xscale("log")
    ax.set_xlabel("beta")
fig.tight_layout()

# %%
# Latent spaces
# -------------
# :class:`~skvae.LatentSpaceDisplay` projects the eight-dimensional codes of
# the test digits on their first two principal components. A few digits
# with rare pixels lie far out, so each view shows the central 98% of the
# codes. With a small ``beta`` the codes spread wider than the prior's
# unit scale; with ``beta = 1`` they fill it; with a large ``beta`` they
# shrink to the prior's centre and the classes merge.
fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
for ax, beta in zip(axes, [0.1, 1.0, 10.0]):
    display = LatentSpaceDisplay.from_estimator(
        models[beta], X_test, y_test, ax=ax, name=f"beta={beta}", scatter_kw={"s": 5}
    )
    low, high = np.percentile(display.codes, [1, 99], axis=0)
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]))
    if beta != 10.0:
        display.legend_.remove()
plt.show()
