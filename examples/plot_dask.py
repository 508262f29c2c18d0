"""
==============================================
Training and scoring beyond memory with Dask
==============================================

:func:`~skvae.fit_chunks` trains a model on a Dask array one block at a
time, so the data never has to fit in memory, and every inference method
of a fitted model maps itself lazily over the blocks of a Dask array or
DataFrame. Here a table of half a million rows, produced block by block,
is learned by an autoencoder and then scored to find the rows that do not
fit, with a ``distributed`` cluster doing the work.
"""

# %%
# A cluster and data that is never whole
# --------------------------------------
# A :class:`~distributed.LocalCluster` stands in for a real cluster (pass
# the scheduler's address to :class:`~distributed.Client` to use one). The
# table is a lazy Dask array: each block of 50,000 rows is generated when a
# computation needs it. Its rows come from two regimes of a machine; 1% of
# the entries are missing and one row in a thousand is corrupted.
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster

from skvae import AutoencoderTransformer, fit_chunks

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                       dashboard_address=None)
client = Client(cluster)

N_ROWS, BLOCK, N_FEATURES = 500_000, 50_000, 16
mixing = np.random.RandomState(0).normal(size=(3, N_FEATURES))


def draw(i):
    """Block ``i``: its rows and which of them are corrupted."""
    rng = np.random.RandomState(i)
    regime = rng.randint(2, size=(BLOCK, 1))
    X = np.tanh(rng.normal(size=(BLOCK, 3)) @ mixing) + 2.0 * regime
    X += 0.05 * rng.normal(size=X.shape)
    X[rng.uniform(size=X.shape) < 0.01] = np.nan
    corrupted = rng.uniform(size=BLOCK) < 0.001
    X[corrupted] += rng.normal(scale=1.0, size=(corrupted.sum(), N_FEATURES))
    return X, corrupted


blocks = (BLOCK,) * (N_ROWS // BLOCK)
X = da.map_blocks(lambda block_id=None: draw(block_id[0])[0],
                  chunks=(blocks, (N_FEATURES,)), dtype=float)
is_corrupted = da.map_blocks(lambda block_id=None: draw(block_id[0])[1],
                             chunks=(blocks,), dtype=bool)
X

# %%
# Training chunk by chunk
# -----------------------
# A first pass computes each column's mean and scale over all the blocks;
# then each epoch trains on every block with ``partial_fit``, in a new
# random order. Only one block is in memory at a time. Training learns
# from the blocks in turn, so each block should be a fair sample of the
# data: shuffle data sorted by time or by group before training on it.
model = AutoencoderTransformer(n_components=4, random_state=0)
model = fit_chunks(model, X, n_epochs=2)
print(f"{model.n_iter_} partial fits; loss of the last ones:",
      np.round(model.loss_curve_[-3:], 4))

# %%
# Lazy scores, computed on the cluster
# ------------------------------------
# ``score_samples`` of a Dask array is a Dask array with the right shape
# and dtype; nothing runs until ``compute``. Most corrupted rows score far
# below the others, in both regimes.
scores = model.score_samples(X)
print(scores)
scores, is_corrupted = da.compute(scores, is_corrupted)
threshold = np.quantile(scores, 0.001)
lowest = scores < threshold
print(f"{is_corrupted[lowest].sum()} of the {lowest.sum()} lowest-scoring rows are "
      f"corrupted ({is_corrupted.sum()} corrupted rows in all)")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(np.clip(scores, -5, None), bins=200, log=True)
ax.axvline(threshold, color="k", linestyle="--", label="0.1% quantile")
ax.set_xlabel("score_samples (minus the reconstruction error, clipped at -5)")
ax.set_ylabel("rows")
ax.legend()
fig.tight_layout()
plt.show()

# %%
client.close()
cluster.close()
