"""Fitting a scenario to records or published patterns (ABC-SMC), and forecasts from the fit."""
