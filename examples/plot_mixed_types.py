"""
=====================================================
Imputing and generating a table of mixed types
=====================================================

Real tables mix numbers, counts, yes/no answers and categories. skvae's
models take such a pandas DataFrame as it is: each column gets a likelihood
of its type (Gaussian, negative binomial, Bernoulli, categorical, ordinal),
holes may sit in any column, and the outputs come back as a DataFrame with
the same columns, dtypes and categories.

This example fills the holes of a customer table with
:class:`~skvae.AutoencoderImputer`, then uses the imputer's
:class:`~skvae.VAETransformer` as a generator of synthetic customers.
"""

# %%
# A customer table
# ----------------
# One hidden trait (how engaged a customer is) drives every column: income,
# number of visits, membership, favourite channel and satisfaction level.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skvae import AutoencoderImputer

rng = np.random.RandomState(0)
n = 3000
engaged = rng.normal(size=n)
channel = np.where(
    engaged + 0.5 * rng.normal(size=n) > 0.6,
    "app",
    np.where(engaged + 0.5 * rng.normal(size=n) < -0.6, "phone", "web"),
)
customers = pd.DataFrame(
    {
        "income": np.round(30_000 * np.exp(0.3 * engaged + 0.2 * rng.normal(size=n)), -2),
        "visits": rng.poisson(np.exp(1.2 + 0.6 * engaged)),
        "member": engaged + 0.7 * rng.normal(size=n) > 0.3,
        "channel": channel,
        "satisfaction": pd.Categorical(
            np.select(
                [engaged < -0.7, engaged < 0.7], ["low", "medium"], "high"
            ),
            categories=["low", "medium", "high"],
            ordered=True,
        ),
    }
)
customers.head()

# %%
# Holes everywhere
# ----------------
# A fifth of the cells of every column go missing at random. Nullable dtypes
# keep the counts integers and the yes/no answers booleans despite the holes
# (pandas would otherwise turn them into floats and objects).
holes = pd.DataFrame(rng.rand(*customers.shape) < 0.2, columns=customers.columns)
observed = customers.astype({"visits": "Int64", "member": "boolean"}).mask(holes)
observed.isna().mean().round(2)

# %%
# The imputer infers each column's type from its dtype and values, and fills
# a categorical hole with the most probable category given the rest of the
# row. Observed cells are returned untouched.
imputer = AutoencoderImputer(random_state=0)
filled = imputer.fit_transform(observed)
imputer.estimator_.column_types_

# %%
# How good are the fills? Against the column's mode (categories) or mean
# (numbers), the baseline that ignores the rest of the row:
rows = []
for name in customers.columns:
    hidden = holes[name].to_numpy()
    truth, guess = customers[name][hidden], filled[name][hidden]
    if name in ("income", "visits"):
        error = np.sqrt(np.mean((guess.astype(float) - truth) ** 2))
        baseline = np.sqrt(np.mean((observed[name].mean() - truth) ** 2))
        rows.append((name, "RMSE", error, baseline))
    else:
        accuracy = np.mean(guess.to_numpy() == truth.to_numpy())
        mode = observed[name].mode()[0]
        rows.append((name, "accuracy", accuracy, np.mean(truth.to_numpy() == mode)))
pd.DataFrame(rows, columns=["column", "metric", "AutoencoderImputer", "mean or mode"])

# %%
# Synthetic customers
# -------------------
# The imputer's model is a :class:`~skvae.VAETransformer`, fitted on the rows
# with their holes: a model of the whole table, so it also generates new
# rows with :meth:`~skvae.VAETransformer.sample`, a DataFrame of the same
# schema. (``VAETransformer().fit(customers)`` gives such a generator
# directly.)
vae = imputer.estimator_
synthetic = vae.sample(len(customers), random_state=0)
synthetic.dtypes

# %%
# The synthetic rows keep the marginals and the relations between columns:
# here how satisfaction depends on the channel, and the distribution of
# visits.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), layout="constrained")
for ax, (title, frame) in zip(axes[:2], [("real", customers), ("synthetic", synthetic)]):
    table = pd.crosstab(frame["channel"], frame["satisfaction"], normalize="index")
    table.plot.bar(stacked=True, ax=ax, legend=ax is axes[1], rot=0)
    # headroom above the bars for the legend, so that it hides none of them
    ax.set(title=f"{title}: satisfaction by channel", ylabel="share", xlabel="",
           ylim=(0, 1.3), yticks=np.linspace(0, 1, 5))
axes[1].legend(title="satisfaction", ncol=3, loc="upper center")
bins = np.arange(0, 25)
axes[2].hist(customers["visits"], bins=bins, alpha=0.5, label="real")
axes[2].hist(synthetic["visits"], bins=bins, alpha=0.5, label="synthetic")
axes[2].set(title="visits", xlabel="visits")
axes[2].legend()
plt.show()

# %%
# Customers of a given kind
# -------------------------
# ``sample(given=...)`` keeps the values of some columns and draws the others
# from the model given them: here a thousand customers of each channel. The
# draws follow the data: app users are more often highly satisfied members
# who visit more.
rows = []
for value in ["phone", "web", "app"]:
    drawn = vae.sample(1000, random_state=0, given={"channel": value})
    real = customers[customers["channel"] == value]
    for source, frame in [("real", real), ("drawn", drawn)]:
        rows.append({
            "channel": value,
            "source": source,
            "mean visits": frame["visits"].mean(),
            "members": frame["member"].mean(),
            "highly satisfied": (frame["satisfaction"] == "high").mean(),
        })
pd.DataFrame(rows).round(2)
