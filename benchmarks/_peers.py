"""Peer contenders for ``bench_training.py``.

Every contender is a pair of plain functions:

* ``fit_<name>(X, cfg)`` trains on ``X`` (float32, shape ``(n, 64)``) and
  returns the fitted object;
* ``reconstruct_<name>(model, X)`` returns the reconstruction of ``X`` as a
  NumPy array in the units of ``X``.

Some peers also define ``infer_<name>(model, X)``: the call that is timed for
the "inference rows/s" column when it differs from ``reconstruct_<name>``.

``cfg`` is a :class:`FitConfig`. All contenders use the same architecture,
epochs, batch size, optimiser (Adam) and learning rate; the differences that
their APIs force are listed next to each function and in
``benchmarks/pages/training-speed.md``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class FitConfig:
    """Training settings shared by all contenders."""

    hidden: tuple = (128, 64)  # encoder hidden layers; decoder is mirrored
    n_components: int = 8
    epochs: int = 10
    batch_size: int = 256
    lr: float = 1e-3
    seed: int = 0
    device: str = "cpu"
    threads: int = 2  # torch.set_num_threads / BLAS threads for this run


def sync(device):
    """Wait for queued GPU work so that wall-clock timings are complete."""
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


# --------------------------------------------------------------------------
# The reference network: 64-128-64-8-64-128-64, ReLU, linear code and output.
# Used by plain torch and by skorch.
# --------------------------------------------------------------------------
class AutoencoderMLP(nn.Sequential):
    """Dense autoencoder: ReLU hidden layers, linear 8-unit code, linear output."""

    def __init__(self, n_features=64, hidden=(128, 64), n_components=8):
        hidden = tuple(hidden)
        sizes = (n_features, *hidden)
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], n_components))  # linear code
        sizes = (n_components, *hidden[::-1])
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], n_features))  # linear output
        super().__init__(*layers)


def _predict_torch(module, X, device, chunk=65536):
    """Run ``module`` on NumPy ``X`` without autograd; returns NumPy."""
    module.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, X.shape[0], chunk):
            xb = torch.from_numpy(X[start:start + chunk]).to(device)
            out.append(module(xb).cpu().numpy())
    return np.concatenate(out)


# --------------------------------------------------------------------------
# Plain torch: a hand-written loop with as little overhead as is honest.
# --------------------------------------------------------------------------
def fit_torch(X, cfg):
    """Whole data set as one tensor; per epoch one ``randperm`` gather, then
    contiguous slices; fused Adam; last partial batch kept."""
    torch.manual_seed(cfg.seed)
    device = torch.device(cfg.device)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)).to(device)
    model = AutoencoderMLP(X.shape[1], cfg.hidden, cfg.n_components).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, fused=True)
    n, bs = Xt.shape[0], cfg.batch_size
    model.train()
    for _ in range(cfg.epochs):
        Xp = Xt[torch.randperm(n, device=device)]
        for start in range(0, n, bs):
            xb = Xp[start:start + bs]
            loss = F.mse_loss(model(xb), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    sync(device)
    return model


def reconstruct_torch(model, X):
    return _predict_torch(model, X, next(model.parameters()).device)


def fit_torch_dataloader(X, cfg):
    """As ``fit_torch`` but batches come from the textbook
    ``TensorDataset`` + ``DataLoader(shuffle=True)``, which indexes one row at
    a time and collates 256 rows per batch. Same fused Adam, so the
    difference to ``fit_torch`` is the data loading alone."""
    torch.manual_seed(cfg.seed)
    device = torch.device(cfg.device)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X))
    loader = torch.utils.data.DataLoader(dataset, batch_size=cfg.batch_size,
                                         shuffle=True)
    model = AutoencoderMLP(X.shape[1], cfg.hidden, cfg.n_components).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, fused=True)
    model.train()
    for _ in range(cfg.epochs):
        for (xb,) in loader:
            xb = xb.to(device, non_blocking=True)
            loss = F.mse_loss(model(xb), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    sync(device)
    return model


reconstruct_torch_dataloader = reconstruct_torch


# --------------------------------------------------------------------------
# skorch: NeuralNetRegressor fitted X -> X on the same nn.Sequential.
# --------------------------------------------------------------------------
def fit_skorch(X, cfg):
    """skorch defaults except: no validation split, shuffling on, silent.
    Optimiser is ``torch.optim.Adam`` with its defaults (not fused)."""
    from skorch import NeuralNetRegressor

    torch.manual_seed(cfg.seed)
    net = NeuralNetRegressor(
        AutoencoderMLP,
        module__n_features=X.shape[1],
        module__hidden=cfg.hidden,
        module__n_components=cfg.n_components,
        criterion=nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=cfg.lr,
        max_epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        train_split=None,
        iterator_train__shuffle=True,  # skorch does not shuffle by default
        device=cfg.device,
        verbose=0,
    )
    net.fit(X, X)
    sync(cfg.device)
    return net


def reconstruct_skorch(net, X):
    return net.predict(X)


# --------------------------------------------------------------------------
# PyOD AutoEncoder (torch based, PyOD >= 2).
# --------------------------------------------------------------------------
def fit_pyod(X, cfg):
    """``hidden_neuron_list=[128, 64, 8]`` builds
    64-128-64-8-64-128-64 where every layer but the output is
    Linear+ReLU (so the 8-unit code is ReLU, not linear). PyOD's own
    defaults for batch norm (on), dropout (0.2) and weight decay (1e-5) are
    switched off. ``preprocessing=True`` (default) standardises internally,
    like skvae. ``fit`` also scores the training set after training."""
    from pyod.models.auto_encoder import AutoEncoder

    det = AutoEncoder(
        hidden_neuron_list=[*cfg.hidden, cfg.n_components],
        hidden_activation_name="relu",
        batch_norm=False,
        dropout_rate=0.0,
        optimizer_name="adam",
        optimizer_params={"weight_decay": 0.0},
        lr=cfg.lr,
        epoch_num=cfg.epochs,
        batch_size=cfg.batch_size,
        preprocessing=True,
        device=cfg.device,
        random_state=cfg.seed,
        verbose=0,
    )
    det.fit(X)
    sync(cfg.device)
    return det


def reconstruct_pyod(det, X):
    """PyOD has no public reconstruction method: run its fitted network
    (``det.model``) on X standardised with its stored statistics and undo the
    standardisation (same ``eps`` as ``pyod.utils.torch_utility.TorchDataset``)."""
    eps = 1e-8
    Xs = ((X - det.X_mean) / (det.X_std + eps)).astype(np.float32)
    rec = _predict_torch(det.model, Xs, det.device)
    return rec * (det.X_std + eps) + det.X_mean


def infer_pyod(det, X):
    """Timed inference: the public ``decision_function`` (reconstruction +
    per-row Euclidean distance, through its per-row DataLoader)."""
    return det.decision_function(X)


# --------------------------------------------------------------------------
# scikit-learn MLPRegressor fitted X -> X.
# --------------------------------------------------------------------------
def fit_mlp(X, cfg):
    """Hidden layers (128, 64, 8, 64, 128), all ReLU (MLPRegressor cannot
    make the 8-unit code linear), identity output, Adam. NumPy only, CPU
    only (the benchmark limits BLAS threads to ``cfg.threads``)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    h = tuple(cfg.hidden)
    mlp = MLPRegressor(
        hidden_layer_sizes=(*h, cfg.n_components, *h[::-1]),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=cfg.batch_size,
        learning_rate_init=cfg.lr,
        max_iter=cfg.epochs,
        tol=0.0,
        n_iter_no_change=10**6,
        early_stopping=False,
        shuffle=True,
        random_state=cfg.seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, X)
    return mlp


def reconstruct_mlp(mlp, X):
    return mlp.predict(X)
