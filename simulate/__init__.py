"""Simulated LEGUS-like HST fields of a nearby spiral galaxy, and their check against the real LEGUS catalogues.

``simulate(out_dir, size, seed, distance_mpc, n_sources)`` writes five band images and a truth catalogue;
``validate(sim_dir, legus_dir)`` measures the simulated sources as LEGUS did and returns KS distances to the
LEGUS distributions per class; ``derive_priors(legus_dir)`` recomputes the shipped ``legus_priors.json``.
"""

from simulate.derive_priors import derive_priors
from simulate.errors import PriorsError, SimulationError
from simulate.priors import load_priors
from simulate.simulator import SimulationResult, simulate
from simulate.validate import validate

__all__ = ["PriorsError", "SimulationError", "SimulationResult", "derive_priors", "load_priors", "simulate",
           "validate"]
