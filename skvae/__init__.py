"""Autoencoders and variational autoencoders as scikit-learn estimators."""

from ._autoencoder import AutoencoderTransformer
from ._display import (
    LatentSpaceDisplay,
    OutlierDisplay,
    ReconstructionDisplay,
    TrainingHistoryDisplay,
)
from ._impute import AutoencoderImputer
from ._io import load, save
from ._outlier import AutoencoderOutlierDetector
from ._stream import fit_chunks
from ._vae import VAETransformer
from ._version import __version__

__all__ = [
    "AutoencoderImputer",
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "LatentSpaceDisplay",
    "OutlierDisplay",
    "ReconstructionDisplay",
    "TrainingHistoryDisplay",
    "VAETransformer",
    "fit_chunks",
    "load",
    "save",
    "__version__",
]
