"""
=====================================
Generating new digits with ``sample``
=====================================

Both models generate rows with ``sample(n_samples)``, in the units of the
training data, but in different ways:

- :class:`~skvae.VAETransformer` is a generative model: it draws codes from
  its standard normal prior, decodes them into the parameters of the
  likelihood ``p(x | z)`` and draws the rows from it.
- :class:`~skvae.AutoencoderTransformer` has no prior: it fits a Gaussian
  mixture to the codes of the training rows and decodes draws from it.

We train both on the 8x8 digits, look at their samples, and ask a
classifier trained on real digits what it recognises in them.
"""

# %%
# Train the two models
# --------------------
# Eight latent dimensions each; the models standardise the pixels inside
# and generate them back in the original units (grey levels from 0 to 16).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skvae import AutoencoderTransformer, VAETransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
params = dict(n_components=8, max_iter=150, random_state=0)
ae = AutoencoderTransformer(**params).fit(X_train)
vae = VAETransformer(**params).fit(X_train)

# %%
# Samples
# -------
# The VAE's pixels are noisy, as each is drawn from its Gaussian likelihood
# around the decoder's mean; ``inverse_transform`` of draws from the prior
# gives those means instead, smooth images. The autoencoder's samples are
# decoder outputs too, at codes drawn from the density of its training
# codes.
rows = {
    "test data": X_test[:10],
    "AE samples": ae.sample(10, random_state=0),
    "VAE samples": vae.sample(10, random_state=0),
    "VAE decoded prior draws": vae.inverse_transform(
        np.random.RandomState(0).standard_normal((10, 8))
    ),
}
fig, axes = plt.subplots(len(rows), 10, figsize=(8, 1.1 * len(rows)))
for row_axes, (title, images) in zip(axes, rows.items()):
    row_axes[0].set_title(title, loc="left", fontsize=9)
    for ax, image in zip(row_axes, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.axis("off")
fig.tight_layout()

# %%
# What does a classifier see in them?
# -----------------------------------
# A logistic regression trained on real digits labels 2000 samples of each
# model. A good generator produces every digit about equally often (the
# dotted line), and samples that the classifier recognises with
# confidence; its confidence on real test digits is the reference. Both
# models cover all ten digits; the samples are less clear-cut than real
# digits, as the pictures above suggest.
classifier = LogisticRegression(max_iter=2000).fit(X_train / 16, y_train)
sources = {
    "real test digits": X_test,
    "AE samples": ae.sample(2000, random_state=1),
    "VAE samples": vae.sample(2000, random_state=1),
    "VAE decoded prior draws": vae.inverse_transform(
        np.random.RandomState(1).standard_normal((2000, 8))
    ),
}
fig, ax = plt.subplots(figsize=(8, 3.5))
width = 0.8 / len(sources)
for i, (name, rows_) in enumerate(sources.items()):
    probabilities = classifier.predict_proba(np.clip(rows_, 0, 16) / 16)
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(rows_)
    ax.bar(np.arange(10) + (i - 1.5) * width, shares, width=width, label=name)
    print(f"{name:>23}: mean confidence {probabilities.max(axis=1).mean():.2f}")
ax.axhline(0.1, color="k", linestyle=":", linewidth=1)
ax.set_xticks(range(10))
ax.set_xlabel("digit recognised by the classifier")
ax.set_ylabel("share of the images")
ax.legend(fontsize=8, ncols=2)
fig.tight_layout()
plt.show()
