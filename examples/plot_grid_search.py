"""
===============================================
Choosing a VAE by grid search, without a scorer
===============================================

:class:`~skvae.VAETransformer`'s ``score`` is the mean log-likelihood of the
rows it is given, estimated by importance sampling: higher is better, as
scikit-learn's model selection expects. So
:class:`~sklearn.model_selection.GridSearchCV` chooses a VAE by its
held-out log-likelihood with no ``scoring`` argument, and a
:class:`~sklearn.pipeline.Pipeline` that ends in a VAE is scored the same
way.

Here a pipeline drops the pixels of the digits that never change, then
fits a VAE; the search chooses the number of latent dimensions and the
weight ``beta`` of the KL term.
"""

# %%
# The pipeline and the grid
# -------------------------
# :class:`~sklearn.feature_selection.VarianceThreshold` removes constant
# pixels. It is the same for every candidate, so their log-likelihoods are
# of the same data and can be compared. Early stopping on a validation
# split of each training fold keeps the fits short.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.feature_selection import VarianceThreshold
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from skvae import TrainingHistoryDisplay, VAETransformer

X, _ = load_digits(return_X_y=True)
X_train, X_test = train_test_split(X, random_state=0)

pipe = make_pipeline(
    VarianceThreshold(),
    VAETransformer(
        early_stopping=True, max_iter=200, random_state=0
    ),
)
grid = {
    "vaetransformer__n_components": [2, 4, 8, 16],
    "vaetransformer__beta": [0.5, 1.0],
}
search = GridSearchCV(pipe, grid, cv=3).fit(X_train)
print("best parameters:", search.best_params_)

# %%
# Held-out log-likelihood of each candidate
# -----------------------------------------
# ``cv_results_`` holds the mean and spread of the score over the folds.
# The likelihood improves a lot from two latent dimensions to four, then
# levels off: the extra dimensions have little left to explain, and the
# folds disagree more than the candidates do.
results = pd.DataFrame(search.cv_results_)
fig, ax = plt.subplots(figsize=(6, 4))
for beta, group in results.groupby("param_vaetransformer__beta"):
    ax.errorbar(
        group["param_vaetransformer__n_components"].astype(int),
        group["mean_test_score"],
        yerr=group["std_test_score"],
        marker="o",
        capsize=3,
        label=f"beta={beta}",
    )
ax.set_xscale("log", base=2)
ax.set_xlabel("n_components")
ax.set_ylabel("log-likelihood (nats per digit)")
ax.set_title("3-fold cross-validated score")
ax.legend()
fig.tight_layout()

# %%
# The chosen model
# ----------------
# The search refits the best pipeline on all the training digits.
# :class:`~skvae.TrainingHistoryDisplay` takes the pipeline and shows the
# training of its VAE; its score on the test digits, which the search never
# saw, is close to the cross-validated one.
history = TrainingHistoryDisplay.from_estimator(search.best_estimator_)
print(f"cross-validated score: {search.best_score_:.1f}")
print(f"test score:            {search.score(X_test):.1f}")
plt.show()
