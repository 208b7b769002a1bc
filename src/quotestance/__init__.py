"""quotestance: who says what about whom in German and English news."""

__version__ = "0.1.0"
