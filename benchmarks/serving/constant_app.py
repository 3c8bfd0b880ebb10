"""The constant endpoint: the limit of the HTTP stack. It parses the request, predicts nothing.

Run by ``run.py`` as ``uvicorn constant_app:app``. It takes modelyard's own
``/predict`` body (``{"rows": [{feature: value, ...}, ...]}``), parses it as
JSON and answers one fixed label per row, so what it costs is uvicorn,
FastAPI, the JSON parse and the answer: what any Python server of this stack
spends before a model is asked anything.
"""

import json

from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/predict")
async def predict(request: Request) -> Response:
    """``{"rows": [...]}`` in, ``{"predictions": [0, ...]}`` out, one fixed label per row."""
    rows = json.loads(await request.body())["rows"]
    return Response(json.dumps({"predictions": [0] * len(rows)}), media_type="application/json")
