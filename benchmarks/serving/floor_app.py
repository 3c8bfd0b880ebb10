"""The floor: the least a server can do. JSON rows in schema order, one numpy array, predict.

Run by ``run.py`` as ``uvicorn floor_app:app``; the estimator file comes from
``FLOOR_MODEL`` (a modelyard version folder's ``model.skops``).
"""

import json
import os
import warnings

import numpy as np
import skops.io
from fastapi import FastAPI, Request, Response

# The estimator was fitted on a DataFrame; the floor feeds it bare arrays on purpose.
warnings.filterwarnings("ignore", message="X does not have valid feature names")

_path = os.environ["FLOOR_MODEL"]
estimator = skops.io.load(_path, trusted=skops.io.get_untrusted_types(file=_path))
app = FastAPI()


@app.post("/predict")
async def predict(request: Request) -> Response:
    """``[[x, ...], ...]`` in, ``{"predictions": [...]}`` out."""
    array = np.asarray(json.loads(await request.body()), dtype=float)
    body = json.dumps({"predictions": estimator.predict(array).tolist()})
    return Response(body, media_type="application/json")
