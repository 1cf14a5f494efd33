"""chipwatch: a self-hosted news monitor for AI chips."""

__version__ = "0.1.0"
