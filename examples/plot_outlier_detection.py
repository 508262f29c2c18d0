"""
=====================================================
Outlier detection with calibrated p-values
=====================================================

:class:`~skvae.AutoencoderOutlierDetector` learns what normal rows look like
and flags new rows that do not fit. Besides scikit-learn's outlier API
(``predict`` in {-1, +1}, ``decision_function``, ``score_samples``), it gives
every row a conformal p-value, whose false-alarm rate on normal rows is
controlled, and says which features made a flagged row abnormal.

The data imitate a machine watched by five sensors that move together. The
faulty rows have one sensor off by an amount that is unremarkable for that
sensor alone but breaks its relation to the others: a per-feature threshold
would miss most of them.
"""

# %%
# Normal operation
# ----------------
# Five sensors driven by two hidden factors (load and ambient temperature),
# plus noise. The detector is fitted on normal rows only.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skvae import AutoencoderOutlierDetector, OutlierDisplay

SENSORS = ["temperature", "pressure", "flow", "vibration", "power"]
rng = np.random.RandomState(0)


def operate(n_rows):
    load = rng.uniform(0.2, 1.0, n_rows)
    ambient = rng.normal(20.0, 5.0, n_rows)
    return pd.DataFrame(
        {
            "temperature": ambient + 40.0 * load,
            "pressure": 2.0 + 3.0 * load**2,
            "flow": 100.0 * load,
            "vibration": 0.5 + 2.0 * load * (1 + 0.01 * ambient),
            "power": 5.0 + 50.0 * load + 0.2 * ambient,
        }
    ) * rng.normal(1.0, 0.01, (n_rows, 5))


X_train = operate(3000)
detector = AutoencoderOutlierDetector(random_state=0).fit(X_train)
detector

# %%
# New rows, some of them faulty
# -----------------------------
# 400 new normal rows and 20 faulty ones. A faulty row has one sensor
# shifted by one standard deviation of that sensor, up or down: still well
# inside its usual range.
X_normal = operate(400)
X_faulty = operate(20)
broken = rng.randint(len(SENSORS), size=len(X_faulty))
for row, sensor in enumerate(broken):
    shift = rng.choice([-1.0, 1.0]) * X_train.iloc[:, sensor].std()
    X_faulty.iloc[row, sensor] += shift
X_new = pd.concat([X_normal, X_faulty], ignore_index=True)
is_faulty = np.r_[np.zeros(len(X_normal), bool), np.ones(len(X_faulty), bool)]

labels = detector.predict(X_new)
print(f"flagged: {np.mean(labels[~is_faulty] == -1):.1%} of the normal rows, "
      f"{np.mean(labels[is_faulty] == -1):.0%} of the faulty rows")

# %%
# p-values
# --------
# A p-value compares a row's score with those of training rows that the
# model never saw. For normal rows the p-values are uniform, so a threshold
# ``a`` flags about a share ``a`` of them whatever the model;
# ``contamination="auto"`` uses ``a = 0.05``. Faulty rows get p-values near 0.
pvalues = detector.score_pvalues(X_new)

fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.linspace(0, 1, 21)
ax.hist(pvalues[~is_faulty], bins=bins, alpha=0.7, label="normal rows")
ax.hist(pvalues[is_faulty], bins=bins, alpha=0.7, label="faulty rows")
ax.axvline(0.05, color="k", linestyle="--", label="0.05")
ax.set_xlabel("conformal p-value")
ax.set_ylabel("rows")
ax.set_ylim(top=1.3 * ax.get_ylim()[1])  # headroom: the legend hides no bar
ax.legend(ncol=3, loc="upper center")
fig.tight_layout()

# %%
# All at once
# -----------
# :class:`~skvae.OutlierDisplay` draws the scores of the new rows with the
# threshold ``offset_``, their p-values, and the contributions of the
# sensors to the five most abnormal rows, which are all faulty ones (rows
# 400 and above). The raw contributions mix the broken sensor with those
# that are hard to predict on any row; the next section removes that
# baseline.
display = OutlierDisplay.from_estimator(detector, X_new)

# %%
# Which sensor broke?
# -------------------
# :meth:`~skvae.AutoencoderOutlierDetector.feature_contributions` gives, for
# each row and sensor, how much the sensor adds to the row's abnormality:
# its negative log-likelihood under the default model (a
# :class:`~skvae.VAETransformer`), how badly the model, having seen the row,
# can explain that reading, beside its share of the row's mean distance to
# its 5 nearest training rows, each in units of its score's spread over the
# training rows. Some sensors are harder to predict than others even on
# normal rows, so we show the excess over the median of the normal rows.
# For the flagged faulty rows the largest excess should fall on the sensor
# that was shifted (marked with a dot).
flagged_faulty = np.flatnonzero(is_faulty & (labels == -1))
typical = detector.feature_contributions(X_normal).median()
excess = detector.feature_contributions(X_new.iloc[flagged_faulty]) - typical

fig, ax = plt.subplots(figsize=(6, 0.3 * len(excess) + 1.2))
image = ax.imshow(excess.clip(lower=0).to_numpy(), cmap="Reds", aspect="auto")
ax.scatter(broken[flagged_faulty - len(X_normal)], np.arange(len(excess)),
           color="k", s=12)
ax.set_xticks(range(len(SENSORS)), excess.columns, rotation=30)
ax.set_yticks(range(len(excess)), [f"row {i}" for i in excess.index])
fig.colorbar(image, ax=ax, label="above a typical row (spreads)")
ax.set_title("Contributions of each sensor to flagged faulty rows")
fig.tight_layout()

found = excess.to_numpy().argmax(axis=1) == broken[flagged_faulty - len(X_normal)]
print(f"the largest contribution names the broken sensor in {found.mean():.0%} "
      "of the flagged faulty rows")

plt.show()
