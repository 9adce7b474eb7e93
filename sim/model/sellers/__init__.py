"""The sellers' day, one module per deed: each holds the decision (array work over all sellers)
and the deed (one seller at a time, re-checking its conditions). `day.act` runs them in order."""
