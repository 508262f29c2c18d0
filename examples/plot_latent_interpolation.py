"""
===================================================
Walking through the latent space of a VAE on digits
===================================================

A :class:`~skvae.VAETransformer` with two latent dimensions maps every 8x8
digit to a point in the plane, and its decoder maps every point of the plane
back to an image. This example trains one with early stopping, looks at its
training history, its latent space and its reconstructions with skvae's
displays, and decodes a straight line between the codes of two digits: a
smooth path from one digit to the other, where a straight line between the
pixels is a mere cross-fade.
"""

# %%
# Train with early stopping
# -------------------------
# ``early_stopping=True`` holds out 10% of the rows and stops when their
# evidence lower bound stops improving, keeping the best weights; a learning
# rate three times the default gets there in fewer epochs.
# :class:`~skvae.TrainingHistoryDisplay` shows the training loss, the
# validation score and the epoch whose weights were kept.
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.datasets import load_digits

from skvae import (
    LatentSpaceDisplay,
    ReconstructionDisplay,
    TrainingHistoryDisplay,
    VAETransformer,
)

X, y = load_digits(return_X_y=True)
vae = VAETransformer(
    n_components=2,
    early_stopping=True,
    max_iter=500,
    random_state=0,
)
vae.fit(X)
print(f"stopped after {vae.n_iter_} epochs")
history = TrainingHistoryDisplay.from_estimator(vae)

# %%
# The latent space
# ----------------
# :class:`~skvae.LatentSpaceDisplay` scatters the codes, ``transform(X)``,
# coloured by digit. We pick a 0 and a 6 and draw the segment between their
# codes on the display's axes.
start, stop = np.flatnonzero(y == 0)[0], np.flatnonzero(y == 6)[0]
ends = vae.transform(X[[start, stop]])

display = LatentSpaceDisplay.from_estimator(vae, X, y, scatter_kw={"s": 4})
display.ax_.plot(*ends.T, color="k", marker="o", linewidth=2)
display.figure_.set_size_inches(7, 5.5)

# %%
# A path between two digits
# -------------------------
# ``inverse_transform`` decodes ten points evenly spaced on the segment. The
# first and last images are the decoder's reconstructions of the two digits;
# the images in between stay digit-like. Below, the same number of steps
# between the pixels themselves only blends one image into the other.
n_steps = 10
weights = np.linspace(0, 1, n_steps)[:, np.newaxis]
decoded = vae.inverse_transform((1 - weights) * ends[0] + weights * ends[1])
blended = (1 - weights) * X[start] + weights * X[stop]

fig, axes = plt.subplots(2, n_steps, figsize=(10, 2.4))
for row, (title, images) in enumerate(
    [("decoded path", decoded), ("pixel blend", blended)]
):
    axes[row, 0].set_title(title, loc="left", fontsize=10)
    for ax, image in zip(axes[row], images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.axis("off")

# %%
# The whole plane
# ---------------
# Decoding a grid of codes shows what the decoder has learned everywhere.
# The grid follows the quantiles of the standard normal prior, so each cell
# covers the same prior probability.
n_grid = 15
quantiles = norm.ppf(np.linspace(0.03, 0.97, n_grid))
grid = np.array([[z1, z2] for z2 in quantiles[::-1] for z1 in quantiles])
images = vae.inverse_transform(grid).reshape(n_grid, n_grid, 8, 8)
mosaic = images.transpose(0, 2, 1, 3).reshape(n_grid * 8, n_grid * 8)

fig, ax = plt.subplots(figsize=(6, 6))
ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=16)
ax.set_title("Decoded grid of latent codes")
ax.axis("off")

# %%
# Reconstructions
# ---------------
# :class:`~skvae.ReconstructionDisplay` shows rows above their
# reconstructions, ``inverse_transform(transform(X))``. Two dimensions keep
# the gist of each digit and lose the details.
display = ReconstructionDisplay.from_estimator(vae, X, image_shape=(8, 8), n_images=10)
plt.show()
