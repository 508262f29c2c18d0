"""Tests of the displays: data stored, artists drawn, axes honoured, errors."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from _settings import TINY
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

from skvae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    LatentSpaceDisplay,
    OutlierDisplay,
    ReconstructionDisplay,
    TrainingHistoryDisplay,
    VAETransformer,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

X = np.random.RandomState(0).normal(size=(60, 4))
COLUMNS = ["a", "b", "c", "d"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fit(estimator, data=X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(data)


@pytest.fixture(scope="module")
def ae():
    return fit(AutoencoderTransformer(early_stopping=False, **TINY))


@pytest.fixture(scope="module")
def vae():
    return fit(VAETransformer(n_components=3, early_stopping=True, **TINY))


@pytest.fixture(scope="module")
def frame():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X, columns=COLUMNS)


@pytest.fixture(scope="module")
def detector(frame):
    estimator = AutoencoderTransformer(**TINY)
    return fit(AutoencoderOutlierDetector(estimator, contamination=0.1), frame)


def test_import_skvae_does_not_import_matplotlib():
    code = "import sys, skvae; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plot_without_matplotlib_raises(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    display = TrainingHistoryDisplay(loss_curve=[2.0, 1.0])
    with pytest.raises(ImportError, match="TrainingHistoryDisplay.plot requires"):
        display.plot()


# ---------------------------------------------------------------- history
def test_training_history_from_model(ae):
    display = TrainingHistoryDisplay.from_estimator(ae)
    assert display.loss_curve == ae.loss_curve_
    assert display.validation_scores is None
    assert display.best_epoch == np.argmin(ae.loss_curve_) + 1
    assert display.name == "AutoencoderTransformer"
    np.testing.assert_array_equal(display.loss_line_.get_ydata(), ae.loss_curve_)
    assert display.validation_line_ is None and display.validation_ax_ is None
    assert display.best_epoch_line_.get_xdata()[0] == display.best_epoch
    assert display.figure_ is display.ax_.figure
    assert display.ax_.get_title() == "AutoencoderTransformer"


def test_training_history_with_validation_scores(vae):
    display = TrainingHistoryDisplay.from_estimator(vae)
    scores = vae.validation_scores_
    # epoch 0 when no epoch beat the weights the fit started from
    started_best = vae.best_validation_score_ > max(scores)
    assert display.best_epoch == (0 if started_best else np.argmax(scores) + 1)
    np.testing.assert_array_equal(
        display.validation_line_.get_ydata(), vae.validation_scores_
    )
    assert display.validation_ax_ is not display.ax_
    assert display.validation_ax_.get_ylabel() == "validation score"


def test_training_history_validation_scores_on_last_epochs():
    display = TrainingHistoryDisplay(
        loss_curve=[4.0, 3.0, 2.0, 1.0], validation_scores=[-2.0, -1.0]
    ).plot()
    np.testing.assert_array_equal(display.validation_line_.get_xdata(), [3, 4])
    assert display.best_epoch_line_ is None


@pytest.mark.parametrize("role", ["imputer", "detector", "pipeline"])
def test_training_history_of_role_estimators_and_pipelines(role, detector):
    if role == "imputer":
        X_missing = X.copy()
        X_missing[::7, 1] = np.nan
        estimator = fit(AutoencoderImputer(VAETransformer(**TINY)), X_missing)
    elif role == "detector":
        estimator = detector
    else:
        pipeline = make_pipeline(StandardScaler(), AutoencoderTransformer(**TINY))
        estimator = fit(pipeline)
    display = TrainingHistoryDisplay.from_estimator(estimator, name="model")
    assert len(display.loss_curve) == 3
    assert display.ax_.get_title() == "model"


def test_training_history_honours_ax(ae):
    _, ax = plt.subplots()
    display = TrainingHistoryDisplay.from_estimator(ae, ax=ax, loss_kw={"color": "r"})
    assert display.ax_ is ax
    assert display.loss_line_.get_color() == "r"


def test_training_history_errors(ae):
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        TrainingHistoryDisplay.from_estimator(VAETransformer())
    with pytest.raises(TypeError, match="PCA has no loss_curve_"):
        TrainingHistoryDisplay.from_estimator(PCA(1).fit(X))
    with pytest.raises(ValueError, match="loss_curve must be a non-empty"):
        TrainingHistoryDisplay(loss_curve=[]).plot()
    with pytest.raises(ValueError, match="validation_scores has 3 epochs"):
        TrainingHistoryDisplay(loss_curve=[1.0], validation_scores=[1, 2, 3]).plot()


# ----------------------------------------------------------------- latent
@pytest.mark.parametrize("labels", [np.arange(60) % 3, np.array(list("xyz") * 20)])
def test_latent_space_categorical(ae, labels):
    display = LatentSpaceDisplay.from_estimator(ae, X, labels)
    assert display.codes.shape == (60, 2)
    np.testing.assert_allclose(display.scatter_.get_offsets(), ae.transform(X))
    texts = [t.get_text() for t in display.legend_.get_texts()]
    assert texts == [str(c) for c in np.unique(labels)]
    assert display.colorbar_ is None
    assert display.ax_.get_xlabel() == "latent 1"


def test_latent_space_continuous_and_unlabelled(ae):
    display = LatentSpaceDisplay.from_estimator(ae, X, X[:, 0])
    assert display.colorbar_ is not None and display.legend_ is None
    display = LatentSpaceDisplay.from_estimator(ae, X)
    assert display.colorbar_ is None and display.legend_ is None


def test_latent_space_draws_missing_values_of_y_grey(ae):
    y = np.where(np.arange(len(X)) % 3, X[:, 0], np.nan)
    display = LatentSpaceDisplay.from_estimator(ae, X, y)
    display.figure_.canvas.draw()  # colours are mapped when drawn
    colours = display.scatter_.get_facecolors()
    assert len(colours) == len(X)
    grey = matplotlib.colors.to_rgba("lightgrey")
    np.testing.assert_allclose(colours[np.isnan(y)], np.tile(grey, (np.isnan(y).sum(), 1)))
    assert not np.allclose(colours[~np.isnan(y)][0], grey)
    labels = np.where(y > 0, 1.0, np.where(y < 0, 0.0, y))  # 0 and 1, some missing
    assert LatentSpaceDisplay.from_estimator(ae, X, labels).legend_ is not None


def test_latent_space_projects_wide_codes(vae):
    display = LatentSpaceDisplay.from_estimator(vae, X)
    assert display.codes.shape == (60, 2)
    assert display.ax_.get_xlabel().startswith("latent PC 1")


def test_latent_space_one_dimensional_strip():
    display = LatentSpaceDisplay(codes=np.arange(6.0), y=[0, 1, 2] * 2).plot()
    offsets = display.scatter_.get_offsets()
    np.testing.assert_array_equal(offsets[:, 0], np.arange(6.0))
    np.testing.assert_array_equal(np.round(offsets[:, 1]), [0, 1, 2] * 2)
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["0", "1", "2"]


def test_latent_space_honours_ax_and_role_estimators(detector, frame):
    _, ax = plt.subplots()
    display = LatentSpaceDisplay.from_estimator(detector, frame, ax=ax, name="codes")
    assert display.ax_ is ax and display.ax_.get_title() == "codes"


def test_latent_space_errors(ae):
    with pytest.raises(ValueError, match="codes must have 1 or 2 columns"):
        LatentSpaceDisplay(codes=np.zeros((5, 3))).plot()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LatentSpaceDisplay.from_estimator(ae, X, y=[0, 1])
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        LatentSpaceDisplay.from_estimator(AutoencoderTransformer(), X)
    detector = fit(AutoencoderOutlierDetector(GaussianMixture(), contamination=0.1))
    with pytest.raises(TypeError, match="has no transform"):
        LatentSpaceDisplay.from_estimator(detector, X)


@pytest.mark.parametrize("y", [np.zeros((len(X), 2)), np.zeros((len(X), 1)), 0])
def test_latent_space_y_must_be_one_dimensional(ae, y):
    with pytest.raises(ValueError, match=r"y must be 1-D, one value per row"):
        LatentSpaceDisplay.from_estimator(ae, X, y=y)


# --------------------------------------------------------- reconstruction
def test_reconstruction_features(detector, frame):
    display = ReconstructionDisplay.from_estimator(
        detector, frame, features=["d", 0, "b"], n_cols=2
    )
    model = detector.estimator_
    np.testing.assert_allclose(
        display.X_reconstructed, model.inverse_transform(model.transform(frame))
    )
    assert display.axes_.shape == (2, 2) and display.axes_[1, 1] is None
    assert [ax.get_title() for ax in display.axes_.flat[:3]] == ["d", "a", "b"]
    np.testing.assert_allclose(
        display.scatters_[0, 0].get_offsets(),
        np.c_[X[:, 3], np.asarray(display.X_reconstructed)[:, 3]],
    )
    assert display.lines_[0, 0] is not None and display.images_ is None
    assert display.bounding_ax_ is None


def test_reconstruction_images_and_missing_values(ae):
    X_missing = X.copy()
    X_missing[0, 0] = np.nan
    display = ReconstructionDisplay.from_estimator(
        ae, X_missing, image_shape=(2, 2), n_images=3
    )
    assert display.images_.shape == (2, 3) and display.scatters_ is None
    assert display.images_[0, 0].get_array().shape == (2, 2)
    # wrapped at its inner capital to fit beside the short image panels
    assert display.axes_[1, 0].get_ylabel() == "Autoencoder\nTransformer"


def test_reconstruction_honours_ax():
    X_rec = 0.5 * X
    _, ax = plt.subplots()
    display = ReconstructionDisplay(X=X, X_reconstructed=X_rec).plot(ax=ax)
    assert display.bounding_ax_ is ax and display.axes_.shape == (2, 3)
    assert display.figure_ is ax.figure
    _, axes = plt.subplots(1, 4)
    display = ReconstructionDisplay(X=X, X_reconstructed=X_rec).plot(ax=axes, n_cols=4)
    assert display.axes_[0, 3] is axes[3]


def test_reconstruction_of_other_transformers():
    display = ReconstructionDisplay.from_estimator(PCA(2).fit(X), X)
    assert display.name == "PCA"


def test_reconstruction_errors(ae):
    display = ReconstructionDisplay(X=X, X_reconstructed=X)
    with pytest.raises(ValueError, match="Unknown feature 'e'"):
        display.plot(features=["e"])
    with pytest.raises(ValueError, match="Unknown feature 4"):
        display.plot(features=[4])
    with pytest.raises(ValueError, match=r"image_shape=\(3, 3\) holds 9 values"):
        ReconstructionDisplay.from_estimator(ae, X, image_shape=(3, 3))
    with pytest.raises(ValueError, match="n_images must be a positive integer"):
        ReconstructionDisplay.from_estimator(ae, X, image_shape=(2, 2), n_images=0)
    with pytest.raises(ValueError, match="Expected ax to have 4 axes, got 2"):
        display.plot(ax=plt.subplots(1, 2)[1])
    _, ax = plt.subplots()
    display.plot(ax=ax)
    with pytest.raises(ValueError, match="The ax was already used"):
        display.plot(ax=ax)
    with pytest.raises(ValueError, match="must be 2-D arrays of the same shape"):
        ReconstructionDisplay(X=X, X_reconstructed=X[:5]).plot()
    with pytest.raises(TypeError, match="Normalizer has no inverse_transform"):
        ReconstructionDisplay.from_estimator(Normalizer().fit(X), X)


@pytest.mark.parametrize("n_cols", [0, -1, 2.5])
def test_reconstruction_n_cols_must_be_a_positive_integer(ae, n_cols):
    with pytest.raises(ValueError, match="n_cols must be a positive integer"):
        ReconstructionDisplay.from_estimator(ae, X, n_cols=n_cols)


# ---------------------------------------------------------------- outlier
def test_outlier_from_detector(detector, frame):
    display = OutlierDisplay.from_estimator(detector, frame, n_rows=3, max_features=2)
    scores = detector.score_samples(frame)
    np.testing.assert_allclose(display.scores, scores)
    np.testing.assert_allclose(display.pvalues, detector.score_pvalues(frame))
    assert display.offset == detector.offset_
    assert display.row_labels == list(np.argsort(scores)[:3])
    assert display.contributions.shape == (3, 4)
    assert display.axes_.shape == (3,)
    assert display.offset_line_.get_xdata()[0] == detector.offset_
    outliers = sum(p.get_height() for p in display.score_bars_[1])
    assert outliers == np.sum(scores < detector.offset_)
    assert len(display.pvalue_bars_) == 2
    assert display.contributions_image_.get_array().shape == (3, 2)
    assert display.colorbar_ is not None


def test_outlier_of_a_polars_frame_with_labels():
    pl = pytest.importorskip("polars")
    rng = np.random.RandomState(0)
    frame = pl.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120),
                          "s": rng.choice(["u", "v"], 120)})
    fitted = fit(AutoencoderOutlierDetector(AutoencoderTransformer(**TINY), random_state=0),
                 frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "invalid feature names"
        display = OutlierDisplay.from_estimator(fitted, frame, rows=[5, 1])
    assert display.feature_names == ["a", "b", "s"]
    np.testing.assert_allclose(
        display.contributions, fitted.feature_contributions(frame[[5, 1]]))
    plt.close("all")


def test_outlier_chosen_rows_and_ax(detector, frame):
    frame = frame.set_index(frame.index + 100)
    _, ax = plt.subplots()
    display = OutlierDisplay.from_estimator(detector, frame, rows=[4, 2], ax=ax)
    assert display.row_labels == [104, 102]
    assert display.feature_names == COLUMNS
    assert display.bounding_ax_ is ax
    np.testing.assert_allclose(
        display.contributions, detector.feature_contributions(frame.iloc[[4, 2]])
    )


def test_outlier_of_other_detectors():
    display = OutlierDisplay.from_estimator(IsolationForest(random_state=0).fit(X), X)
    assert display.pvalues is None and display.contributions is None
    assert display.axes_.shape == (1,) and display.pvalue_bars_ is None
    detector = fit(AutoencoderOutlierDetector(GaussianMixture(), contamination=0.1))
    display = OutlierDisplay.from_estimator(detector, X)
    assert display.axes_.shape == (2,) and display.contributions_image_ is None


def test_outlier_errors(detector, frame):
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        OutlierDisplay.from_estimator(AutoencoderOutlierDetector(), X)
    with pytest.raises(TypeError, match="PCA is not an outlier detector"):
        OutlierDisplay.from_estimator(PCA(1).fit(X), X)
    with pytest.raises(ValueError, match=r"rows must be positions of rows of X"):
        OutlierDisplay.from_estimator(detector, frame, rows=[60])
    with pytest.raises(ValueError, match="n_rows must be a positive integer"):
        OutlierDisplay.from_estimator(detector, frame, n_rows=0)
    with pytest.raises(ValueError, match="max_features must be a positive integer"):
        OutlierDisplay(scores=X[:, 0], offset=0.0).plot(max_features=0)


@pytest.mark.parametrize("rows", [[0, 3], None])
def test_outlier_row_labels_of_an_array_are_ints(rows):
    detector = IsolationForest(random_state=0).fit(X)
    display = OutlierDisplay.from_estimator(detector, X, rows=rows, n_rows=2)
    assert len(display.row_labels) == 2
    assert all(type(label) is int for label in display.row_labels)


# ------------------------------------------------------------- legibility
# Figures as a user saves them: drawn, then every piece of text checked to be
# inside the figure and clear of its neighbours.
def _drawn(figure):
    figure.canvas.draw()
    return figure


def _inside(bbox, outer, tol=1.0):
    return (bbox.x0 >= outer.x0 - tol and bbox.y0 >= outer.y0 - tol
            and bbox.x1 <= outer.x1 + tol and bbox.y1 <= outer.y1 + tol)


def _overlap(a, b, tol=0.5):
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def _assert_texts_clear(texts):
    """Visible, non-empty texts: each inside its figure, none over another."""
    texts = [t for t in texts if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent() for t in texts]
    for text, box in zip(texts, boxes):
        assert _inside(box, text.figure.bbox), text.get_text()
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not _overlap(boxes[i], boxes[j]), (
                texts[i].get_text(), texts[j].get_text()
            )


def _axis_texts(axes):
    """Titles, axis labels and the tick labels drawn (within the limits)."""
    texts = []
    for axis in axes:
        texts.append(axis.title)
        for which, limits, k in ((axis.xaxis, axis.get_xlim(), 0),
                                 (axis.yaxis, axis.get_ylim(), 1)):
            if not which.get_visible():  # a twin's shared axis
                continue
            texts.append(which.label)
            labels = which.get_ticklabels()
            low, high = sorted(limits)
            texts += [t for t in labels if low <= t.get_position()[k] <= high]
    return texts


@pytest.mark.parametrize("model", ["ae", "vae"])
def test_training_history_legend_beside_the_curves(model, request):
    estimator = request.getfixturevalue(model)
    display = TrainingHistoryDisplay.from_estimator(estimator)
    figure = _drawn(display.figure_)
    legend = display.legend_.get_window_extent()
    assert _inside(legend, figure.bbox)
    # right of the axes and of the validation score's labels: over no curve
    assert legend.x0 >= display.ax_.bbox.x1
    if display.validation_ax_ is not None:
        assert legend.x0 >= display.validation_ax_.yaxis.get_tightbbox().x1
    axes = [display.ax_] + [a for a in [display.validation_ax_] if a is not None]
    _assert_texts_clear(_axis_texts(axes) + list(display.legend_.get_texts()))


def test_training_history_legend_inside_axes_without_layout(vae):
    # nothing makes room outside the axes: the legend stays in them
    figure, ax = plt.subplots()
    display = TrainingHistoryDisplay.from_estimator(vae, ax=ax)
    _drawn(figure)
    assert _inside(display.legend_.get_window_extent(), ax.bbox)


def test_latent_space_long_labels_stay_in_the_figure():
    pd = pytest.importorskip("pandas")
    names = np.array([
        "cultivar Barbera d'Alba (Piedmont)", "cultivar Nebbiolo Langhe",
        "cultivar Grignolino del Monferrato Casalese",
    ])
    y = pd.Series(names[np.arange(60) % 3], name="cultivar")
    display = LatentSpaceDisplay(codes=X[:, :2], y=y).plot()
    figure = _drawn(display.figure_)
    assert _inside(display.legend_.get_window_extent(), figure.bbox)
    assert display.legend_.get_window_extent().x0 >= display.ax_.bbox.x1
    texts = [t.get_text() for t in display.legend_.get_texts()]
    assert [t.replace("\n", " ") for t in texts] == sorted(names)
    assert max(len(line) for t in texts for line in t.split("\n")) <= 24
    assert display.legend_.get_title().get_text() == "cultivar"
    _assert_texts_clear(_axis_texts([display.ax_]) + list(display.legend_.get_texts()))


def test_latent_space_many_classes_and_user_axes():
    labels = np.array([f"class number {k} of the set" for k in range(20)])
    y = labels[np.arange(200) % 20]
    codes = np.random.RandomState(0).normal(size=(200, 2))
    display = LatentSpaceDisplay(codes=codes, y=y).plot()
    _drawn(display.figure_)
    assert _inside(display.legend_.get_window_extent(), display.figure_.bbox)
    # a figure without a layout engine would cut a legend outside the axes
    figure, ax = plt.subplots(figsize=(4, 3))
    display = LatentSpaceDisplay(codes=codes[:, :2], y=np.arange(200) % 3).plot(ax=ax)
    _drawn(figure)
    assert _inside(display.legend_.get_window_extent(), ax.bbox)
    # one-dimensional codes: one tick label per class, all legible
    display = LatentSpaceDisplay(codes=codes[:, 0], y=y).plot()
    _drawn(display.figure_)
    _assert_texts_clear(_axis_texts([display.ax_]))
    assert len(display.ax_.get_yticklabels()) == 20


@settings(max_examples=15, deadline=None)
@given(
    n_extreme=st.integers(1, 5),
    magnitude=st.floats(10.0, 1e8),
    scale=st.sampled_from([1e-4, 1.0, 1e3, 1e6]),
    seed=st.integers(0, 2**16),
)
def test_outlier_extreme_scores_keep_the_bulk_readable(n_extreme, magnitude, scale,
                                                       seed):
    rng = np.random.RandomState(seed)
    scores = scale * rng.normal(size=200)
    scores[:n_extreme] = -scale * magnitude
    offset = float(np.quantile(scores[n_extreme:], 0.05))
    display = OutlierDisplay(scores=scores, offset=offset).plot()
    low, high = display.score_range_
    assert low <= offset <= high and low > -scale * magnitude
    inliers, outliers = display.score_bars_
    # every row is counted; the bulk spreads over many bars
    heights = [p.get_height() for p in inliers]
    assert sum(heights) + sum(p.get_height() for p in outliers) == scores.size
    assert sum(h > 0 for h in heights) >= 5
    # the extreme rows sit in the hatched first bar, which the label explains
    assert outliers[0].get_height() == n_extreme and outliers[0].get_hatch()
    assert f"{n_extreme} row" in display.axes_[0].get_xlabel()
    figure = _drawn(display.figure_)
    axis = display.axes_[0]
    _assert_texts_clear(_axis_texts([axis]) + list(axis.get_legend().get_texts()))
    legend = axis.get_legend().get_window_extent()
    assert _inside(legend, figure.bbox) and legend.y0 >= axis.bbox.y1 - 1
    plt.close("all")


def test_outlier_scores_without_extremes_are_not_clipped():
    scores = np.random.RandomState(0).normal(size=100)
    display = OutlierDisplay(scores=scores, offset=-1.5).plot()
    assert display.score_range_ == (scores.min(), scores.max())
    assert "hatched" not in display.axes_[0].get_xlabel()
    assert not any(p.get_hatch() for p in display.score_bars_[0])


def test_outlier_panels_legible(detector, frame):
    display = OutlierDisplay.from_estimator(detector, frame, n_rows=5)
    figure = _drawn(display.figure_)
    texts = _axis_texts(display.axes_)
    for axis in display.axes_[:2]:
        legend = axis.get_legend().get_window_extent()
        assert _inside(legend, figure.bbox) and legend.y0 >= axis.bbox.y1 - 1
        texts += axis.get_legend().get_texts()
    _assert_texts_clear(texts)
    # many features: the names shrink or thin out, never overlap
    contributions = np.random.RandomState(0).exponential(size=(30, 64))
    display = OutlierDisplay(
        scores=X[:, 0], offset=-1.0, contributions=contributions,
        feature_names=[f"pixel_{j}" for j in range(64)],
    ).plot(max_features=40)
    _drawn(display.figure_)
    _assert_texts_clear(_axis_texts(display.axes_))


@pytest.fixture(scope="module")
def mixed():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    z = rng.normal(size=120)
    data = pd.DataFrame({
        "income": 40 + 8 * z + rng.normal(size=120),
        "visits": pd.array(rng.poisson(np.exp(1 + 0.4 * z)), dtype="Int64"),
        "member": z + rng.normal(size=120) > 0,
        "city": pd.Categorical(np.where(z > 0, "Paris", "Oslo")),
        "size": pd.Categorical(np.where(z > 0, "L", "S"), categories=["S", "M", "L"],
                               ordered=True),
        "a rather long column name for a label": np.where(z > 0.5, "yes", "no"),
    })
    data.loc[::7, "city"] = None
    return data


def test_reconstruction_of_mixed_frames_shows_every_column(mixed):
    vae = fit(VAETransformer(**TINY), mixed)
    display = ReconstructionDisplay.from_estimator(vae, mixed)
    titles = [ax.get_title().split("\naccuracy")[0].replace("\n", " ")
              for ax in display.axes_.flat]
    assert titles == list(mixed.columns)
    X_rec = vae.inverse_transform(vae.transform(mixed))
    numbers = ["income", "visits"]
    for j, column in enumerate(mixed.columns):
        is_number = column in numbers
        assert (display.scatters_.flat[j] is not None) == is_number
        assert (display.class_images_.flat[j] is not None) == (not is_number)
        if is_number:
            continue
        observed = mixed[column].notna()
        right = (mixed[column][observed] == X_rec[column][observed]).mean()
        assert display.accuracies_[column] == pytest.approx(right)
        assert f"accuracy {right:.0%}" in display.axes_.flat[j].get_title()
        # each observed class spreads its rows over the reconstructed ones
        shares = np.asarray(display.class_images_.flat[j].get_array())
        totals = np.nansum(shares, axis=0)
        seen = [c in set(mixed[column].dropna()) for c in
                [t.get_text() for t in display.axes_.flat[j].get_xticklabels()]]
        np.testing.assert_allclose(totals[seen], 1.0)
    assert display.colorbar_ is not None
    _drawn(display.figure_)
    _assert_texts_clear(_axis_texts(display.axes_.flat))
    # positions count every column
    display = ReconstructionDisplay.from_estimator(vae, mixed, features=[3, "income"])
    assert display.axes_[0, 0].get_title().startswith("city")


@pytest.mark.parametrize(
    "make",
    [
        lambda: VAETransformer(**TINY),
        lambda: make_pipeline(VAETransformer(**TINY)),
        lambda: AutoencoderOutlierDetector(AutoencoderTransformer(**TINY),
                                           contamination=0.1, random_state=0),
    ],
    ids=["model", "pipeline", "detector"],
)
def test_displays_of_frames_with_integer_column_names(make):
    # scikit-learn records no feature_names_in_ for them: the model's own
    # table says that it reads a DataFrame, labels included
    pd = pytest.importorskip("pandas")
    data = pd.DataFrame({0: X[:, 0], 1: np.where(X[:, 1] > 0, "a", "b")})
    fitted = fit(make(), data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "invalid feature names"
        latent = LatentSpaceDisplay.from_estimator(fitted, data)
        display = ReconstructionDisplay.from_estimator(fitted, data)
    assert latent.codes.shape == (len(X), 2)
    assert display.scatters_[0, 0] is not None
    assert display.class_images_[0, 1] is not None


def test_reconstruction_of_polars_frames():
    pl = pytest.importorskip("polars")
    data = pl.DataFrame({
        "x": X[:, 0],
        "c": pl.Series(np.where(X[:, 1] > 0, "a", "b")).cast(pl.Categorical),
    })
    vae = fit(VAETransformer(**TINY), data)
    display = ReconstructionDisplay.from_estimator(vae, data)
    assert display.scatters_[0, 0] is not None
    assert display.class_images_[0, 1] is not None
    assert set(display.accuracies_) == {"c"}


def test_reconstruction_labels_legible(ae):
    display = ReconstructionDisplay.from_estimator(ae, X, n_cols=2)
    _drawn(display.figure_)
    _assert_texts_clear(_axis_texts(display.axes_.flat))
    display = ReconstructionDisplay.from_estimator(
        ae, X, image_shape=(2, 2), n_images=6
    )
    _drawn(display.figure_)
    _assert_texts_clear([ax.yaxis.label for ax in display.axes_[:, 0]])


def test_reconstruction_images_need_numbers(mixed):
    display = ReconstructionDisplay(X=mixed, X_reconstructed=mixed, image_shape=(2, 3))
    with pytest.raises(ValueError, match="Column 'member' holds bool values"):
        display.plot()
