"""Autoencoders and variational autoencoders as scikit-learn estimators."""

from ._autoencoder import AutoencoderTransformer
from ._impute import AutoencoderImputer
from ._outlier import AutoencoderOutlierDetector
from ._vae import VAETransformer

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoencoderImputer",
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "VAETransformer",
    "__version__",
]
