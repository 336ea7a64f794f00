"""Impact simulator: baseline vs reform policy on a year's real visa flows, with Monte Carlo bands.

Flows come from the snapshot (`flows`), behaviour from sourced or explicitly assumed parameters
(`behaviour`), the law from `visalever.policy` (resolve or replay), and the Monte Carlo (`montecarlo`)
runs all draws at once. `run.simulate(SimulationRequest(...))` is the one entry point the CLI, the API
(`api.router`) and the benchmarks share.
"""

from visalever.simulate.run import SimulationRequest, simulate

__all__ = ["SimulationRequest", "simulate"]
