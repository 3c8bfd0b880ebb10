"""Datasets: where a model's training and prediction data come from."""

from modelyard.data.dataset import Dataset, Split
from modelyard.data.demo import DEMO_DATASETS, DemoDataset, demo_dataset
from modelyard.data.files import FILE_FORMATS, FileDataset
from modelyard.data.sql import SQLDataset
from modelyard.data.tabular import TabularDataset

__all__ = [
    "DEMO_DATASETS",
    "FILE_FORMATS",
    "Dataset",
    "DemoDataset",
    "FileDataset",
    "SQLDataset",
    "Split",
    "TabularDataset",
    "demo_dataset",
]
