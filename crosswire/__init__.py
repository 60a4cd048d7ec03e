"""crosswire: map how many outlets report one story, with every item pointing back to its source text."""

__version__ = "0.1.0"
