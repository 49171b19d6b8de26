"""ASGI entry point for servers that import the app by name (several workers)."""

from __future__ import annotations

from fastapi import FastAPI

from kintsugi.core.config import load_settings
from kintsugi.web.app import create_app


def app_factory() -> FastAPI:
    """The app for the settings in the environment (``uvicorn --factory``): a server process,
    which builds every route before it takes requests and loads the library's columns as it
    starts."""
    return create_app(load_settings(), server=True)
