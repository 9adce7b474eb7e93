"""The toolbox every family may use: atomic file writing, reading TOML, statistical intervals.

It imports nothing of the project, so that the model, the risk indicators, the experiments and
the reports can all share it without any of them depending on another.
"""
