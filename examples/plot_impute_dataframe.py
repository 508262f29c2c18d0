"""
=======================================
Imputing a DataFrame with a VAE
=======================================

:class:`~skvae.AutoencoderImputer` fills the holes of a table with a
variational autoencoder trained on the observed entries only. This example
removes a third of the entries of scikit-learn's wine data, fills them with
:class:`~skvae.AutoencoderImputer` and with scikit-learn's
:class:`~sklearn.impute.IterativeImputer`, and compares the errors column
by column. It then draws several completions with ``sample_posterior=True``
to show how uncertain each filled value is (multiple imputation).
"""

# %%
# A DataFrame with holes
# ----------------------
# Two columns hold counts, so we store them as pandas' nullable integers;
# the imputer gives them back as integers.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer

from skvae import AutoencoderImputer, TrainingHistoryDisplay

wine = load_wine(as_frame=True).frame.drop(columns="target")
wine = wine.astype({"magnesium": "Int64", "proline": "Int64"})

rng = np.random.RandomState(0)
holes = rng.rand(*wine.shape) < 0.3
holes[holes.all(axis=1), 0] = False  # keep one observed value per row
wine_missing = wine.mask(holes)
print(f"{holes.mean():.0%} of the entries are missing")
wine_missing.head()

# %%
# Fill the holes
# --------------
# A DataFrame goes in and a DataFrame comes out, with the same index,
# columns and dtypes; observed entries are returned unchanged.
vae_imputer = AutoencoderImputer(random_state=0)
wine_vae = vae_imputer.fit_transform(wine_missing)
print(wine_vae.dtypes.value_counts())

# %%
# The imputer trains its model with early stopping on a held-out tenth of
# the rows; :class:`~skvae.TrainingHistoryDisplay` shows how that went, from
# the fitted imputer.
history = TrainingHistoryDisplay.from_estimator(vae_imputer)

# %%
# scikit-learn's :class:`~sklearn.impute.IterativeImputer` for comparison:
ice_imputer = IterativeImputer(max_iter=30, random_state=0)  # converges in 26 rounds
ice_imputer.set_output(transform="pandas")
wine_ice = ice_imputer.fit_transform(wine_missing)

# %%
# Errors per column
# -----------------
# The root mean squared error over the removed entries, in units of each
# column's standard deviation (1.0 is what filling in the mean would give,
# roughly).
def column_errors(imputed):
    errors = {}
    for j, column in enumerate(wine.columns):
        hidden = holes[:, j]
        truth = wine[column].to_numpy(dtype=float)[hidden]
        guess = imputed[column].to_numpy(dtype=float)[hidden]
        errors[column] = np.sqrt(np.mean((guess - truth) ** 2)) / wine[column].std()
    return errors


vae_errors = column_errors(wine_vae)
ice_errors = column_errors(wine_ice)
positions = np.arange(len(wine.columns))
fig, ax = plt.subplots(figsize=(9, 4))
for shift, errors, label in [
    (-0.2, vae_errors, "AutoencoderImputer"),
    (0.2, ice_errors, "IterativeImputer"),
]:
    ax.bar(positions + shift, list(errors.values()), width=0.4, label=label)
ax.set_xticks(positions, wine.columns, rotation=45, ha="right")
ax.set_ylabel("RMSE / column std")
ax.set_title("Error on the removed entries")
ax.legend()
fig.tight_layout()
print(f"mean over columns: VAE {np.mean(list(vae_errors.values())):.3f}, "
      f"IterativeImputer {np.mean(list(ice_errors.values())):.3f}")

# %%
# Multiple imputation
# -------------------
# With ``sample_posterior=True`` each ``random_state`` draws one plausible
# completion from the model instead of its conditional mean. Both are read
# at transform time, so the imputer fitted above draws the completions
# without being trained again. The spread of the draws says how sure the
# model is about each filled value.
draws = np.stack(
    [
        vae_imputer.set_params(sample_posterior=True, random_state=seed)
        .transform(wine_missing)["flavanoids"]
        .to_numpy()
        for seed in range(20)
    ]
)
column = wine.columns.get_loc("flavanoids")
rows = np.flatnonzero(holes[:, column])[:15]

fig, ax = plt.subplots(figsize=(9, 4))
for i, row in enumerate(rows):
    ax.scatter(np.full(len(draws), i), draws[:, row], color="tab:blue", alpha=0.3, s=12)
ax.scatter(
    np.arange(len(rows)), wine_vae["flavanoids"].iloc[rows], color="tab:blue",
    marker="_", s=300, label="conditional mean (default fill)",
)
ax.scatter(
    np.arange(len(rows)), wine["flavanoids"].iloc[rows], color="black", marker="x",
    label="true value",
)
ax.set_xticks(np.arange(len(rows)), wine.index[rows])
ax.set_xlabel("row")
ax.set_ylabel("flavanoids")
ax.set_title("20 draws with sample_posterior=True (dots)")
ax.legend()
fig.tight_layout()
plt.show()
