"""The model family: one scenario, one seed, a day per step (`WeishangModel` in model.py)."""
