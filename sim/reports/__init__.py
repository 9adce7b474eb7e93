"""The reports family: figures, and Markdown/HTML documents for runs, batches, explorations and risk."""
