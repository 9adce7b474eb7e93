"""The risk family: pyramid-risk indicators scored on a network given as data (`NetworkData`), whether
read from a real network's CSV files or converted from a simulated run.

schema      the data schema (files, frames, order kinds, NetworkData) and its reader, `read_data`
writer      `write_data`: a NetworkData as a data folder
convert     the one bridge from the model: `from_run`, `from_model`, `LiveConverter`
tree        the upline tree (`UplineTree`) and the one cycle check, `find_cycle`
spec        each indicator's cut-offs, basis and wording; the overall rule
indicators  `score` and `evidence`: the indicators measured on a NetworkData
"""
