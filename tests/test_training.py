"""The training loop: convergence, early stopping, reproducibility, resumption."""

import contextlib
import pickle
import threading
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from skvae import AutoencoderTransformer, VAETransformer, _fitting
from skvae._nn import Linear, ResidualMLP, build, reset_linear
from skvae._training import (
    CONVERGED,
    INTERRUPTED,
    MAX_ITER,
    History,
    batch_loss,
    fit_loop,
    run_epoch,
)

MODELS = [AutoencoderTransformer, VAETransformer]
# the mechanics of the loop: from a random start, stopping on the training loss,
# at a constant learning rate
FAST = dict(
    hidden_layer_sizes=(16,), init="random", early_stopping=False,
    learning_rate_init=1e-3, random_state=0, device="cpu",
)


def _data(n_samples=300, n_features=6, seed=0):
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n_samples, 2))
    return np.tanh(latent @ rng.normal(size=(2, n_features))) + 0.05 * rng.normal(
        size=(n_samples, n_features)
    )


def _fit_quietly(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X)


def _toy_problem(n_samples=64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    module = torch.nn.Linear(3, 3)
    X = torch.randn(n_samples, 3, generator=generator)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)

    def loss_fn(x, mask, epoch):
        return ((module(x) - x) ** 2).sum(-1), None

    return module, optimizer, loss_fn, X, generator


@pytest.mark.parametrize("Model", MODELS)
def test_loss_decreases(Model):
    model = _fit_quietly(Model(max_iter=30, **FAST), _data())
    assert model.n_iter_ == 30 == len(model.loss_curve_)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert model.best_loss_ == min(model.loss_curve_)


def test_run_epoch_returns_mean_loss_over_rows():
    module, optimizer, loss_fn, X, generator = _toy_problem(n_samples=10)
    for p in module.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.0)
    expected = batch_loss(*loss_fn(X, None, 0)).item()
    loss = run_epoch(
        module, optimizer, lambda x, m, e: (loss_fn(x, m, e)[0].requires_grad_(), None),
        X, None, batch_size=3, shuffle=False, generator=generator, epoch=0,
    )
    # batches of 3, 3, 3, 1 rows, weighted by their sizes
    batch_losses = [
        batch_loss(*loss_fn(X[i : i + 3], None, 0)).item() for i in range(0, 10, 3)
    ]
    weighted = np.average(batch_losses, weights=[3, 3, 3, 1])
    assert loss == pytest.approx(weighted, rel=1e-6)
    assert loss == pytest.approx(expected, rel=0.2)


def test_batch_loss_is_the_mean_loss_per_term():
    losses = torch.tensor([4.0, 1.0, 9.0, 2.0])
    assert batch_loss(losses, None).item() == 4.0
    counts = torch.tensor([2.0, 1.0, 3.0, 2.0])
    assert batch_loss(losses, counts).item() == 2.0  # 16 / 8


def test_trimmed_batch_loss_counts_only_the_best_fitted_rows():
    losses = torch.tensor([4.0, 1.0, 9.0, 2.0], requires_grad=True)
    loss = batch_loss(losses, None, support_fraction=0.5)
    assert loss.item() == 1.5  # rows 1 and 3
    loss.backward()
    np.testing.assert_array_equal(losses.grad.numpy(), [0.0, 0.5, 0.0, 0.5])
    # rows are ranked by their loss per term: 2.0, 1.0, 3.0, 1.0
    counts = torch.tensor([2.0, 1.0, 3.0, 2.0])
    assert batch_loss(losses, counts, 0.5).item() == 1.0  # (1 + 2) / (1 + 2)
    # ceil(support_fraction * n), and never less than one row
    assert batch_loss(losses, None, 0.6).item() == pytest.approx(7.0 / 3)
    assert batch_loss(losses, None, 0.01).item() == 1.0


def test_trimmed_rows_count_with_their_fixed_losses():
    # the trimmed rows train only what their fixed losses reach; the value
    # is the mean over every row
    losses = torch.tensor([4.0, 1.0, 9.0, 2.0], requires_grad=True)
    fixed = torch.tensor([4.0, 1.0, 9.0, 2.0], requires_grad=True)
    loss = batch_loss(losses, None, 0.5, fixed)
    assert loss.item() == 4.0
    loss.backward()
    np.testing.assert_array_equal(losses.grad.numpy(), [0.0, 0.25, 0.0, 0.25])
    np.testing.assert_array_equal(fixed.grad.numpy(), [0.25, 0.0, 0.25, 0.0])
    counts = torch.tensor([2.0, 1.0, 3.0, 2.0])
    assert batch_loss(losses, counts, 0.5, fixed).item() == 2.0  # 16 / 8
    assert batch_loss(losses, None, 1.0, fixed).item() == 4.0


@pytest.mark.parametrize("train_importance_samples", [1, 3])
def test_vae_trimmed_rows_train_the_scales_only(train_importance_samples):
    model = _fit_quietly(
        VAETransformer(max_iter=1, support_fraction=0.75,
                       train_importance_samples=train_importance_samples, **FAST),
        _data(),
    )
    x = torch.as_tensor(_data(20), dtype=torch.float32)
    generator = torch.Generator().manual_seed(0)
    losses, counts, fixed = model._row_losses(x, None, 0, generator)
    torch.testing.assert_close(fixed, losses)
    model.module_.zero_grad(set_to_none=True)
    fixed.sum().backward()
    for name, parameter in model.module_.named_parameters():
        reached = parameter.grad is not None and parameter.grad.abs().sum() > 0
        assert reached == ("log_scale" in name), name
    # the validation scorer, and untrimmed training, get the two usual tensors
    assert len(model._row_losses(x, None, None, generator)) == 2
    model.set_params(support_fraction=None)
    assert len(model._row_losses(x, None, 0, generator)) == 2


def test_trimmed_training_keeps_the_scales_of_every_row():
    # on Gaussian noise, a model fitted to its best 75% of rows alone would
    # shrink its noise scales (to 0.43 to 0.88 of the untrimmed model's
    # here); measured on every row they stay those of the untrimmed model
    X = np.random.RandomState(0).normal(size=(400, 4))
    params = dict(n_components=1, hidden_layer_sizes=(16,), max_iter=150,
                  n_iter_no_change=150, batch_size=100, early_stopping=False,
                  random_state=0, device="cpu")
    scales = [
        np.exp(_fit_quietly(VAETransformer(support_fraction=support, **params), X)
               .module_.likelihood.parts[0].log_scale.detach().numpy())
        for support in (None, 0.75)
    ]
    np.testing.assert_allclose(scales[1], scales[0], rtol=0.05)


@pytest.mark.parametrize("Model", MODELS)
def test_trimmed_training_does_not_learn_a_group_of_outliers(Model):
    # 10% of the rows form a tight group far from the others: trained on
    # every row the model reproduces them, trimmed it scores them lower
    rng = np.random.RandomState(0)
    inliers = _data(n_samples=360)
    group = rng.normal(size=(40, 6)) * 0.05 + np.array([2.0, -2.0, 2.0, -2.0, 2.0, -2.0])
    X = np.vstack((inliers, group))
    params = dict(hidden_layer_sizes=(32,), max_iter=60, random_state=0, device="cpu")
    gaps = {}
    for support in (None, 0.75):
        model = _fit_quietly(Model(support_fraction=support, **params), X)
        scores = model.score_samples(X)
        gaps[support] = np.median(scores[:360]) - np.median(scores[360:])
    assert gaps[0.75] > gaps[None] + 1.0


@pytest.mark.parametrize("Model", MODELS)
def test_trimmed_start_on_data_without_noise(Model):
    # two components hold all the variance: the robust PCA start must not
    # invert a singular covariance (scipy's LinAlgWarning)
    rng = np.random.RandomState(0)
    latent = rng.normal(size=(300, 2))
    X = np.column_stack((latent, latent.sum(axis=1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Model(n_components=2, support_fraction=0.75, max_iter=2,
                      n_iter_no_change=5, random_state=0, device="cpu").fit(X)
    assert np.isfinite(model.score_samples(X)).all()


def test_early_stopping_restores_the_best_weights():
    module, optimizer, loss_fn, X, generator = _toy_problem()
    # the first score is that of the starting weights
    scores = iter([0.5, 1.0, 3.0, 2.0, 2.5, 0.0, 0.0, 0.0])
    snapshots = []

    def validate():
        snapshots.append({k: v.clone() for k, v in module.state_dict().items()})
        return next(scores)

    history = History()
    status = fit_loop(
        module, optimizer, loss_fn, X, None, history=history, max_epochs=7,
        batch_size=16, shuffle=True, generator=generator, tol=0.0,
        n_iter_no_change=2, validate=validate,
    )
    assert status == CONVERGED
    # as in MLP: stop once more than n_iter_no_change epochs did not improve
    assert history.validation_scores == [1.0, 3.0, 2.0, 2.5, 0.0]
    assert history.best_validation_score == 3.0
    for name, value in module.state_dict().items():
        torch.testing.assert_close(value, snapshots[2][name], rtol=0, atol=0)
        assert not torch.equal(value, snapshots[-1][name])


def test_interrupt_keeps_the_best_weights():
    module, optimizer, loss_fn, X, generator = _toy_problem()
    calls = {"n": 0}

    def interrupting_loss(x, mask, epoch):
        calls["n"] += 1
        if epoch == 3:
            raise KeyboardInterrupt
        return loss_fn(x, mask, epoch)

    scores = iter([0.0, 1.0, 5.0, 2.0])
    best = {}

    def validate():
        score = next(scores)
        if score == 5.0:
            best.update({k: v.clone() for k, v in module.state_dict().items()})
        return score

    status = fit_loop(
        module, optimizer, interrupting_loss, X, None, history=History(),
        max_epochs=10, batch_size=16, shuffle=False, generator=generator, tol=0.0,
        n_iter_no_change=5, validate=validate,
    )
    assert status == INTERRUPTED
    for name, value in module.state_dict().items():
        torch.testing.assert_close(value, best[name], rtol=0, atol=0)


@pytest.mark.parametrize("Model", MODELS)
def test_estimator_warns_and_keeps_weights_on_interrupt(Model, monkeypatch):
    model = Model(max_iter=50, **FAST)
    original = Model._row_losses
    calls = {"n": 0}

    def interrupting(self, x, mask, epoch, generator):
        calls["n"] += 1
        if calls["n"] > 30:
            raise KeyboardInterrupt
        return original(self, x, mask, epoch, generator)

    monkeypatch.setattr(Model, "_row_losses", interrupting)
    with pytest.warns(ConvergenceWarning, match="interrupted by the user"):
        model.fit(_data())
    assert 1 <= model.n_iter_ < 50
    assert np.isfinite(model.transform(_data()[:5])).all()


def test_max_iter_gives_convergence_warning():
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(2\) reached"):
        AutoencoderTransformer(max_iter=2, **FAST).fit(_data())


def test_stops_when_the_loss_stops_improving():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = AutoencoderTransformer(
            max_iter=100, tol=1e9, n_iter_no_change=3, **FAST
        ).fit(_data())
    # the first epoch improves on +inf; four more without improvement stop it
    assert model.n_iter_ == 5


@pytest.mark.parametrize("Model", MODELS)
def test_early_stopping_attributes(Model):
    model = _fit_quietly(
        Model(max_iter=200, n_iter_no_change=3, tol=1e-2, **{**FAST, "early_stopping": True}),
        _data(),
    )
    assert model.best_loss_ is None
    assert len(model.validation_scores_) == model.n_iter_ == len(model.loss_curve_)
    # the starting weights compete too
    assert model.best_validation_score_ >= max(model.validation_scores_)
    assert model.n_iter_ < 200


def test_the_validation_pass_takes_the_rows_in_chunks(monkeypatch):
    import skvae._base as base

    X = _data()
    X[::7, 1] = np.nan  # the mask is taken in chunks with the rows
    calls = []
    whole = _fit_quietly(AutoencoderTransformer(**{**FAST, "early_stopping": True}), X)
    row_losses = AutoencoderTransformer._row_losses

    def counted(self, x, mask, epoch, generator):
        if epoch is None:
            calls.append(x.shape[0])
        return row_losses(self, x, mask, epoch, generator)

    monkeypatch.setattr(AutoencoderTransformer, "_row_losses", counted)
    monkeypatch.setattr(base, "ACTIVATION_BUDGET", 7 * 16)  # 7 rows of the widest layer, 16
    chunked = _fit_quietly(AutoencoderTransformer(**{**FAST, "early_stopping": True}), X)
    # 30 held-out rows in 5 chunks of 6, none of a handful of rows
    assert set(calls) == {6} and len(calls) == 5 * (len(chunked.validation_scores_) + 1)
    # the autoencoder draws nothing: the same scores, the same fit
    np.testing.assert_allclose(chunked.validation_scores_, whole.validation_scores_, rtol=1e-5)
    assert chunked.n_iter_ == whole.n_iter_


def test_the_vae_validation_pass_in_chunks_draws_per_chunk(monkeypatch):
    import skvae._base as base

    X = _data()
    X[::5, 0] = np.nan
    params = {**FAST, "early_stopping": True, "train_importance_samples": 3, "max_iter": 5}
    whole = _fit_quietly(VAETransformer(**params), X)
    monkeypatch.setattr(base, "ACTIVATION_BUDGET", 4 * 3 * 16)  # 4 rows, 3 draws each
    chunked = _fit_quietly(VAETransformer(**params), X)
    assert np.isfinite(chunked.validation_scores_).all()
    # other draws, the same estimate up to their noise
    np.testing.assert_allclose(chunked.validation_scores_, whole.validation_scores_, rtol=0.05)
    assert chunked.validation_scores_ != whole.validation_scores_


def test_the_vae_validation_chunk_counts_its_importance_samples():
    model = _fit_quietly(VAETransformer(train_importance_samples=4, **FAST), _data())
    from skvae._utils import ACTIVATION_BUDGET

    widest = max(model._table.width, *model.hidden_layer_sizes)
    assert model._validation_chunk() == ACTIVATION_BUDGET // (4 * widest)
    assert model._score_chunk(model._table.width) == (
        ACTIVATION_BUDGET // (model.n_importance_samples * widest))


def test_fit_loop_reports_max_iter():
    module, optimizer, loss_fn, X, generator = _toy_problem()
    status = fit_loop(
        module, optimizer, loss_fn, X, None, history=History(), max_epochs=3,
        batch_size=8, shuffle=True, generator=generator, tol=0.0,
        n_iter_no_change=10,
    )
    assert status == MAX_ITER


@pytest.mark.parametrize("Model", MODELS)
def test_random_state_makes_training_reproducible(Model):
    X = _data()
    first = _fit_quietly(Model(max_iter=5, **FAST), X)
    second = _fit_quietly(Model(max_iter=5, **FAST), X)
    assert first.loss_curve_ == second.loss_curve_
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    np.testing.assert_array_equal(first.score_samples(X), second.score_samples(X))
    np.testing.assert_array_equal(
        first.sample(5, random_state=1), second.sample(5, random_state=1)
    )
    other = _fit_quietly(Model(max_iter=5, **{**FAST, "random_state": 1}), X)
    assert not np.array_equal(first.transform(X), other.transform(X))


@pytest.mark.parametrize("Model", MODELS)
def test_global_random_state_is_untouched(Model):
    X = _data()
    np.random.seed(123)
    torch.manual_seed(123)
    numpy_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    model = _fit_quietly(Model(max_iter=3, **{**FAST, "early_stopping": True}), X)
    model.transform(X)
    model.score_samples(X)
    model.partial_fit(X)
    model.sample(3, random_state=0)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


class _Network(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = ResidualMLP((6, 16, 4), "relu")

    def reset_parameters(self, generator):
        reset_linear(self, generator)


def test_a_network_is_built_wholly_on_its_device():
    """The meta device stands in for a GPU: no parameter or buffer is left
    on the CPU (a Gaussian's scale floor once was)."""
    from skvae._nn import VariationalAutoencoder

    module = build(VariationalAutoencoder, torch.device("meta"), torch.Generator(),
                   n_inputs=2, n_components=1, hidden_layer_sizes=(4,),
                   activation="relu", groups=[("gaussian", 2)])
    tensors = [*module.parameters(), *module.buffers()]
    assert {tensor.device.type for tensor in tensors} == {"meta"}


def test_building_a_network_never_draws_from_the_global_random_state():
    """Not even to put it back after: another thread's draws would be undone."""
    torch.manual_seed(0)
    state = torch.get_rng_state()
    Linear(4, 3)
    assert torch.equal(torch.get_rng_state(), state)
    draws = []
    thread = threading.Thread(
        target=lambda: draws.extend(torch.rand(1).item() for _ in range(20_000)))
    thread.start()
    while thread.is_alive():
        build(_Network, torch.device("cpu"), torch.Generator().manual_seed(0))
    thread.join()
    torch.manual_seed(0)
    assert draws == [torch.rand(1).item() for _ in range(20_000)]


@pytest.mark.parametrize("Model", MODELS)
def test_partial_fit_improves_and_keeps_the_optimiser(Model):
    X = _data(n_samples=600)
    model = Model(**FAST)
    scores = []
    for epoch in range(8):
        for chunk in np.array_split(X, 3):
            model.partial_fit(chunk)
        scores.append(model.score(X))
        if epoch == 0:
            steps = {id(p): s["step"].item() for p, s in model._optimizer.state.items()}
    assert model.n_iter_ == 24 == len(model.loss_curve_)
    assert scores[-1] > scores[0]
    assert all(s["step"].item() > steps[id(p)] for p, s in model._optimizer.state.items())


def test_partial_fit_checks_the_width():
    model = AutoencoderTransformer(**FAST).partial_fit(_data())
    with pytest.raises(ValueError, match="X has 4 features"):
        model.partial_fit(_data(n_features=4))


@pytest.mark.parametrize("Model", MODELS)
def test_warm_start_continues_training(Model):
    X = _data()
    model = _fit_quietly(Model(max_iter=4, warm_start=True, **FAST), X)
    first_curve = list(model.loss_curve_)
    module = model.module_
    _fit_quietly(model, X)
    assert model.module_ is module
    assert model.n_iter_ == 8
    assert model.loss_curve_[:4] == first_curve
    assert model.loss_curve_[4] < first_curve[0]
    cold = _fit_quietly(Model(max_iter=4, **FAST), X)
    assert cold.loss_curve_ == first_curve


def test_without_warm_start_fit_starts_anew():
    X = _data()
    model = _fit_quietly(AutoencoderTransformer(max_iter=3, **FAST), X)
    curve = list(model.loss_curve_)
    _fit_quietly(model, X)
    assert model.n_iter_ == 3
    assert model.loss_curve_ == curve


def test_verbose_shows_a_progress_bar(capsys):
    _fit_quietly(AutoencoderTransformer(max_iter=3, verbose=1, **FAST), _data())
    err = capsys.readouterr().err
    assert "AutoencoderTransformer" in err and "3/3" in err and "loss=" in err
    _fit_quietly(AutoencoderTransformer(max_iter=3, verbose=0, **FAST), _data())
    assert capsys.readouterr() == ("", "")


def test_diverging_training_raises():
    X = _data()
    X[0] = 1e30
    with pytest.raises(ValueError, match="Training diverged"):
        VAETransformer(max_iter=5, **{**FAST, "learning_rate_init": 1e3}).fit(X)


def test_warm_up_raises_the_learning_rate_linearly_then_restores_it():
    module, optimizer, loss_fn, X, generator = _toy_problem(n_samples=8)
    history = History()
    seen = []

    def recording_loss(x, mask, epoch):
        seen.append(optimizer.param_groups[0]["lr"])
        return loss_fn(x, mask, epoch)

    fit_loop(
        module, optimizer, recording_loss, X, None, history=history, max_epochs=6,
        batch_size=4, shuffle=False, generator=generator, tol=0.0,
        n_iter_no_change=100, warmup_steps=4,
    )
    np.testing.assert_allclose(seen, [0.025, 0.05, 0.075, 0.1] + [0.1] * 8)
    assert history.n_steps == 12
    assert optimizer.param_groups[0]["lr"] == 0.1


def test_patience_counts_from_the_end_of_the_warm_up():
    # a loss that never improves stops training after the warm-up (the 4
    # epochs of one step below the full rate) and the patience, not after
    # the patience alone
    module, optimizer, loss_fn, X, generator = _toy_problem(n_samples=4)
    for p in module.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    history = History()
    status = fit_loop(
        module, optimizer, lambda x, m, e: (loss_fn(x, m, e)[0].requires_grad_(), None),
        X, None, history=history, max_epochs=100, batch_size=4, shuffle=False,
        generator=generator, tol=1e-3, n_iter_no_change=3, warmup_steps=5,
    )
    assert status == CONVERGED
    assert len(history.loss_curve) == 4 + 3 + 1


@pytest.mark.parametrize(
    "n_rows, learning_rate",
    [(100, 1e-2), (4 * 256, 5e-3), (25 * 256, 2e-3), (1000 * 256, 1e-3)],
)
def test_auto_learning_rate_falls_with_the_batches_per_epoch(n_rows, learning_rate):
    model = AutoencoderTransformer().set_params(early_stopping=False)
    model._table = AutoencoderTransformer().fit(_data(20))._table
    budget = model._budget(n_rows)
    assert budget.learning_rate == pytest.approx(learning_rate)
    assert budget.warmup_steps == 10
    assert model._budget(n_rows, incremental=True).learning_rate == 1e-3
    given = model.set_params(learning_rate_init=0.05)._budget(n_rows)
    assert (given.learning_rate, given.warmup_steps) == (0.05, 0)


def test_patience_is_longer_when_columns_start_at_their_marginals():
    real = _fit_quietly(AutoencoderTransformer(max_iter=1), _data(100))
    assert real._starts_linear() and real._budget(90).patience == 20
    mixed = _data(100)
    mixed[:, 0] = mixed[:, 0] > 0
    model = _fit_quietly(
        AutoencoderTransformer(max_iter=1, column_types={0: "binary"}), mixed
    )
    assert not model._starts_linear() and model._budget(90).patience == 100
    assert real.set_params(init="random")._budget(90).patience == 100


@pytest.mark.parametrize("Model", MODELS)
def test_default_training_stops_soon_after_its_best_epoch(Model):
    # a one-batch table at the defaults: the patience is 20 epochs after a
    # warm-up of 10, not thousands of epochs
    X = _data(n_samples=150)
    model = _fit_quietly(Model(n_components=2, random_state=0), X)
    best_epoch = int(np.argmax(model.validation_scores_)) + 1
    assert model.n_iter_ <= max(best_epoch, 10) + 21


def test_trimmed_start_measures_the_noise_on_every_row():
    # a column that is 0 on the rows the start fits best: its noise is that
    # of every row, not near zero (the scales train on every row)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    X[:, 2] = np.where(rng.rand(400) < 0.1, 10.0, 0.0)
    pca = _fitting.pca(X, 1, 0.75, np.random.RandomState(0))
    centred = X - pca.mean_
    codes = centred @ pca.components_.T
    residual = centred - codes @ pca.components_
    assert pca.noise_variance_ == pytest.approx(np.square(residual).sum() / (399 * 2))
    np.testing.assert_allclose(pca.explained_variance_, np.square(codes).sum(0) / 399)
    assert pca.noise_variance_ > 1.0


def test_trimmed_start_keeps_its_axes_and_widens_its_scales():
    # two columns share a factor, a third is 0 on most rows: the trimmed
    # start keeps the shared axis, and its scales are those of every row,
    # wider than the best rows' (near zero on the third column)
    rng = np.random.RandomState(0)
    latent = rng.normal(size=(400, 1))
    X = np.hstack([latent + 0.3 * rng.normal(size=(400, 1)),
                   latent + 0.3 * rng.normal(size=(400, 1)),
                   np.where(rng.rand(400, 1) < 0.1, 10.0, 0.0)])
    starts = {}
    for support in (None, 0.75):
        model = VAETransformer(n_components=1, support_fraction=support, random_state=0)
        model._table = _fit_quietly(VAETransformer(max_iter=1), X)._table
        model._initialize(model._table.codes(X))
        scale = model.module_.likelihood.parts[0].log_scale.detach().exp().numpy()
        loadings = model.module_.decoder.shortcut.weight.detach().numpy()[:, 0]
        starts[support] = scale[0], loadings
    for scale, loadings in starts.values():
        assert np.abs(loadings[:2]).min() > 0.5
    assert abs(starts[0.75][1][2]) < abs(starts[None][1][2])
    assert starts[0.75][0] > 0.5


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_learning_rate_is_restored_when_training_stops_in_the_warm_up(error):
    module, optimizer, loss_fn, X, generator = _toy_problem(n_samples=8)
    calls = {"n": 0}

    def failing_loss(x, mask, epoch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise error
        return loss_fn(x, mask, epoch)

    with contextlib.suppress(RuntimeError):
        fit_loop(
            module, optimizer, failing_loss, X, None, history=History(), max_epochs=5,
            batch_size=4, shuffle=False, generator=generator, tol=0.0,
            n_iter_no_change=100, warmup_steps=10,
        )
    assert optimizer.param_groups[0]["lr"] == 0.1


def test_a_warm_start_does_not_repeat_the_warm_up():
    X = _data()
    model = _fit_quietly(
        AutoencoderTransformer(max_iter=12, warm_start=True,
                               **{**FAST, "learning_rate_init": "auto"}), X
    )
    steps = model._history.n_steps
    assert steps == 12 * 2  # 300 rows: two batches an epoch
    rates = []
    real_step = model._optimizer.step

    def recording_step(*args, **kwargs):
        rates.append(model._optimizer.param_groups[0]["lr"])
        return real_step(*args, **kwargs)

    model._optimizer.step = recording_step
    _fit_quietly(model.set_params(max_iter=2), X)
    assert model._history.n_steps == steps + 4
    assert len(set(rates)) == 1 and rates[0] == pytest.approx(1e-2 / np.sqrt(2))


def test_the_step_count_survives_pickling():
    model = _fit_quietly(AutoencoderTransformer(max_iter=3, **FAST), _data())
    clone = pickle.loads(pickle.dumps(model))
    assert clone._history.n_steps == model._history.n_steps == 6
