"""A server whose model takes two seconds per prediction, for the graceful-shutdown test.

    python slow_server.py --port PORT

It runs the app with the same uvicorn settings as ``modelyard serve``.
"""

import argparse
import time

import numpy as np
import uvicorn

from modelyard import Model
from modelyard.data import demo_dataset
from modelyard.serving import create_app
from modelyard.serving.server import GRACEFUL_SHUTDOWN_SECONDS, log_config


class SlowEstimator:
    """Predicts zeros, slowly."""

    _estimator_type = "classifier"

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        time.sleep(2)
        return np.zeros(len(X), dtype=int)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    model = Model(SlowEstimator(), name="slow")
    model.train(demo_dataset("breast_cancer"))  # run record in the working folder
    uvicorn.run(
        create_app(model),
        host="127.0.0.1",
        port=port,
        access_log=False,
        log_config=log_config(),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
