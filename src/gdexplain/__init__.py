"""gdexplain: explainer videos about gradient descent, built on an exact optimizer core."""

__version__ = "0.1.0"
