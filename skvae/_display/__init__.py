"""Displays: training history, latent space, reconstructions and outliers.

Each display follows scikit-learn's visualization API: the constructor
stores the data to draw, ``from_estimator`` computes that data from a fitted
estimator and plots it, and ``plot`` draws on matplotlib axes, stores the
axes, the figure and the artists, and returns the display. matplotlib is
imported inside ``plot`` only: importing skvae does not import it.
"""

from ._history import TrainingHistoryDisplay
from ._latent import LatentSpaceDisplay
from ._outlier import OutlierDisplay
from ._reconstruction import ReconstructionDisplay

__all__ = [
    "LatentSpaceDisplay",
    "OutlierDisplay",
    "ReconstructionDisplay",
    "TrainingHistoryDisplay",
]
