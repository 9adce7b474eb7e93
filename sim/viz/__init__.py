"""The browser view: `weishang serve` starts Mesa's Solara-based page (sim/viz/app.py)."""
