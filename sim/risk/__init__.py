"""The risk family: pyramid-risk indicators scored on a network given as data (`NetworkData`), whether
read from a real network's CSV files or converted from a simulated run."""
