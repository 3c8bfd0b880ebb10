"""Datasets: where a model's training and prediction data come from."""

from modelyard.data.dataset import Dataset, Split
from modelyard.data.demo import DEMO_DATASETS, DemoDataset, demo_dataset

__all__ = ["DEMO_DATASETS", "Dataset", "DemoDataset", "Split", "demo_dataset"]
