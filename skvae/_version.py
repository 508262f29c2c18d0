"""The version of skvae, which saved models record."""

__version__ = "0.1.0.dev0"
