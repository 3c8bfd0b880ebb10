"""The plain loop a user would write: read the whole Parquet file, predict, write.

    python plain.py MODEL_SKOPS INPUT OUTPUT

The estimator is read with skops from the file modelyard saved, so both scorers
use the same fitted model. Every column but ``id`` is a feature.
"""

import sys

import pandas as pd
import skops.io

model_file, source, target = sys.argv[1:]
estimator = skops.io.load(model_file, trusted=skops.io.get_untrusted_types(file=model_file))
frame = pd.read_parquet(source)
frame["prediction"] = estimator.predict(frame[list(estimator.feature_names_in_)])
frame.to_parquet(target, index=False)
