"""The experiments family: runs written to folders, batches of replicates, sweeps, explorations."""
