"""Kintsugi: learn from incidents, blamelessly."""

__version__ = "0.1.0"
