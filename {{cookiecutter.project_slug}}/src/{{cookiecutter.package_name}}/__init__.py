"""The model package: where its data comes from (data.py) and how it is built (model.py)."""
