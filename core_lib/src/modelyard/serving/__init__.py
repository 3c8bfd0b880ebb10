"""Serving: a REST API around any trained modelyard model.

Importing this package imports FastAPI; install it with ``pip install modelyard[serve]``.
"""

from modelyard.serving.app import create_app
from modelyard.serving.server import serve

__all__ = ["create_app", "serve"]
