"""Running the app under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

from modelyard.serving.app import MODEL_ENV
from modelyard.store import locate


def serve(
    model: str | Path, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1
) -> None:
    """Serve a saved model over HTTP until interrupted.

    The model path is checked here, before any worker starts, so a wrong path
    is one clear error rather than a crash in every worker.
    """
    import uvicorn

    os.environ[MODEL_ENV] = str(locate(model))
    uvicorn.run(
        "modelyard.serving.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
