"""
=========================================================
Digits in two dimensions: PCA, an autoencoder and a VAE
=========================================================

The 8x8 digit images live in 64 dimensions. :class:`~sklearn.decomposition.PCA`
finds the best *linear* 2-D view; :class:`~skvae.AutoencoderTransformer` and
:class:`~skvae.VAETransformer` learn *non-linear* ones, with the same
``fit_transform`` call. All three standardise nothing by hand: the two skvae
models standardise inside.

We also decode a few codes back into images with ``inverse_transform`` and
generate new digits with ``sample``. Without a display (on a server, or with
``MPLBACKEND=Agg``), the script saves the figure of the latent spaces to
``digits_latent.png`` in the current directory.
"""

# %%
# Fit the three models
# --------------------
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from skvae import AutoencoderTransformer, VAETransformer

X, y = load_digits(return_X_y=True)

models = {
    "PCA": PCA(n_components=2),
    "AutoencoderTransformer": AutoencoderTransformer(n_components=2, random_state=0),
    "VAETransformer": VAETransformer(n_components=2, random_state=0),
}
codes = {}
for name, model in models.items():
    start = time.perf_counter()
    codes[name] = model.fit_transform(X)
    print(f"{name:>24}: {time.perf_counter() - start:5.1f} s")

# %%
# Compare the latent spaces
# -------------------------
# Each point is an image, coloured by its digit. The non-linear models
# separate the classes that PCA's projection overlaps. A few pixels are almost
# always blank, so after standardisation the rare images that use them sit far
# out in the latent space; the axes show the central 98% of the codes.
latent_figure, axes = plt.subplots(1, 3, figsize=(15, 4.8))
for ax, (name, Z) in zip(axes, codes.items()):
    points = ax.scatter(Z[:, 0], Z[:, 1], c=y, cmap="tab10", s=6)
    low, high = np.percentile(Z, [1, 99], axis=0)
    margin = 0.05 * (high - low)
    ax.set_xlim(low[0] - margin[0], high[0] + margin[0])
    ax.set_ylim(low[1] - margin[1], high[1] + margin[1])
    ax.set_title(name)
    ax.set_xticks([])
    ax.set_yticks([])
_ = latent_figure.colorbar(points, ax=axes, label="digit")

# %%
# Decode and generate
# -------------------
# ``inverse_transform`` maps codes back to pixels (in the input's units), and
# ``sample`` draws new images: from the prior for the VAE, from a density
# fitted to the training codes for the autoencoder.
ae, vae = models["AutoencoderTransformer"], models["VAETransformer"]
rows = {
    "data": X[:8],
    "AE reconstruction": ae.inverse_transform(codes["AutoencoderTransformer"][:8]),
    "VAE reconstruction": vae.inverse_transform(codes["VAETransformer"][:8]),
    "AE samples": ae.sample(8, random_state=0),
    "VAE decoded prior draws": vae.inverse_transform(
        np.random.RandomState(0).standard_normal((8, 2))
    ),
}
fig, axes = plt.subplots(len(rows), 8, figsize=(8, 1.1 * len(rows)))
for row_axes, (title, images) in zip(axes, rows.items()):
    row_axes[0].set_title(title, loc="left", fontsize=9)
    for ax, image in zip(row_axes, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.axis("off")
fig.tight_layout()

# %%
# How well does each 2-D code preserve the data? Held-in reconstruction error
# and, for the VAE, the average log-likelihood that ``score`` returns.
for name in ("AutoencoderTransformer", "VAETransformer"):
    model = models[name]
    error = np.mean((model.inverse_transform(codes[name]) - X) ** 2)
    print(f"{name:>24}: reconstruction MSE {error:.2f}, score {model.score(X):.2f}")
pca = models["PCA"]
error = np.mean((pca.inverse_transform(codes["PCA"]) - X) ** 2)
print(f"{'PCA':>24}: reconstruction MSE {error:.2f}")

# %%
# With a non-interactive backend ``plt.show()`` shows nothing, so the figure
# of the latent spaces is saved as well (the documentation's gallery keeps
# the figures itself).
if plt.get_backend().lower() == "agg" and "sphinx_gallery" not in sys.modules:
    latent_figure.savefig("digits_latent.png", dpi=100)
    print("No display: saved the latent spaces to digits_latent.png")
plt.show()
