"""comments: an embeddable comment service for news sites."""

__version__ = "0.1.0"
