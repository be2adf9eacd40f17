"""schedtop's HTTP API: the engine served over the seeds' endpoints (FastAPI app factory and the ``serve`` command)."""

from .app import create_app

__all__ = ["create_app"]
