# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # weishang-sim from Python: a run, a batch, a query, a figure, a risk score
#
# A worked example (jupytext percent format: open it in Jupyter with jupytext; not as a plain
# script, whose batch workers would re-run it). Populations are tiny so that it runs in about a
# minute; the numbers are an illustration, not results. `OUT` is where the batch goes (a temporary
# folder unless the environment variable WEISHANG_NOTEBOOK_OUT names one).

# %%
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; in Jupyter the figure still shows inline
import matplotlib.pyplot as plt

from sim.experiments import store
from sim.experiments.batch import run_batch
from sim.model import bundled
from sim.model.model import WeishangModel
from sim.model.scenario import load_scenario
from sim.risk.convert import from_model
from sim.risk.indicators import score

OUT = Path(os.environ.get("WEISHANG_NOTEBOOK_OUT") or tempfile.mkdtemp()) / "batch"
TINY = {"population.people": 300, "run.days": 60}

# %% [markdown]
# ## One run
# A bundled scenario with the population and horizon overridden, one seed.

# %%
pyramid = load_scenario(bundled.resolve("pyramid"), TINY)
model = WeishangModel(pyramid, seed=1)
model.run()
series = model.datacollector.get_model_vars_dataframe()
series[["sellers", "stock_units", "share_in_loss"]].tail()

# %% [markdown]
# ## A small batch
# Two scenarios x three replicates; replicate r has the same seed in both, so they differ by
# mechanism, not by draw. Each run's daily series lands in the batch's Parquet dataset
# (`OUT/series/`), next to the run folders' CSVs.

# %%
honest = load_scenario(bundled.resolve("honest"), TINY)
manifest = run_batch([honest, pyramid], 3, OUT, root_seed=7, jobs=1)
sum(r["status"] == "done" for r in manifest["runs"].values())

# %% [markdown]
# ## Query it with DuckDB
# `store.query(folder, sql)` runs SQL over the tables `series`, `summary` and `manifest` (the same as
# `weishang query BATCH "SQL"`) and returns an Arrow table.

# %%
daily = store.query(OUT, """
    SELECT scenario, day, avg(sellers) AS sellers, avg(share_in_loss) AS share_in_loss
    FROM series GROUP BY scenario, day ORDER BY scenario, day
""").to_pandas()
finals = store.query(OUT, """
    SELECT scenario, count(*) AS runs, avg(share_in_loss) AS share_in_loss, avg(max_depth) AS max_depth
    FROM summary WHERE status = 'done' GROUP BY scenario ORDER BY scenario
""").to_pandas()
finals

# %% [markdown]
# ## Plot

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for name, group in daily.groupby("scenario"):
    ax.plot(group["day"], group["sellers"], label=name)
ax.set_xlabel("day")
ax.set_ylabel("sellers (mean of 3 runs)")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## Score the risk
# The run above, converted to the real-data schema and scored with the same indicators a
# regulator's data would get (`weishang risk` does this for a run folder).

# %%
result = score(from_model(model))
print("overall:", result.overall)
[(i.key, i.verdict) for i in result.indicators]
