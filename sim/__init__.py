"""weishang-sim: an agent-based simulation of tiered micro-seller (微商) networks."""

from sim.model.model import WeishangModel
from sim.model.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

__all__ = ["Scenario", "ScenarioError", "WeishangModel", "load_scenario", "scenario_from_dict"]
__version__ = "0.1.0"
