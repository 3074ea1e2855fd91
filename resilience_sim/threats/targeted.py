"""Threat `targeted_attack`: remove the assets an attacker ranks highest (threats layer).

From :class:`~resilience_sim.scenario.threat_specs.targeted_attack.TargetedAttack` to a
:class:`~resilience_sim.hazards.base.Damage`:

1. **Candidates**: the nodes (or links) of the undamaged network, of ``kinds`` if given,
   minus ``exclude`` (and, with a cost budget, only kinds listed in ``cost_by_kind``).
2. **Order**: static — ranked once on the undamaged network by the scorer of ``rank_by``
   (:mod:`resilience_sim.threats.ranking`), ties in asset order; adaptive — before every
   attempt, the candidates not yet attempted are ranked again on the network as damaged so
   far; random — a uniform random permutation (the uninformed attacker: random failure).
3. **Budget**: attempts go down the order; each costs 1 (``budget_assets``,
   ``budget_share`` x number of candidates, rounded) or ``cost_by_kind`` of its kind
   (``budget_cost``); an attempt the remaining budget cannot pay for is skipped and the
   next one tried. An attempt costs its budget whether or not it succeeds, and the
   attacker does not retry an asset.
4. **Success**: an attempt on asset ``a`` succeeds with ``success_probability /
   hardening_factor[a]`` (capped at 1; :mod:`resilience_sim.threats.success`).
5. **Damage**: attempt ``i`` (from 0) happens at ``at_h + i x interval_h``; a successful one
   takes the asset down, needing a repair job (or for ``duration_h`` if given).

Draw pattern: one uniform per candidate, in asset order, fixed before planning (so a
candidate's fate does not depend on the order of attempts: common random numbers across
rankings); then the permutation for ``random``, or the pivots of estimated betweenness
(per ranking). Static rankings are computed once per study
(:mod:`resilience_sim.hazards.kit.cache`).

Cost: static — one scoring; adaptive — one scoring per attempt (degree ``O(n_links)``;
betweenness and population see :mod:`resilience_sim.threats.ranking`).
"""

from __future__ import annotations

import numpy as np

from resilience_sim.hazards.base import Damage
from resilience_sim.hazards.kit.cache import per_hazard
from resilience_sim.scenario.threat_specs.targeted_attack import TargetedAttack
from resilience_sim.threats.graph import intact
from resilience_sim.threats.ranking import Scorer, rank, scorer_for
from resilience_sim.threats.success import success_probability
from resilience_sim.topology.compile import NetworkArrays
from resilience_sim.topology.model import Topology

_COST_SLACK = 1e-9  # budgets and costs are sums of floats


def sample_targeted_attack(
    hazard: TargetedAttack,
    topology: Topology,
    arrays: NetworkArrays,
    rng: np.random.Generator,
    cause: str,
) -> Damage:
    """Sample the assets a targeted attack takes down; see the module docstring.

    Parameters
    ----------
    hazard : TargetedAttack
        The threat's scenario entry.
    topology : Topology
        The network.
    arrays : NetworkArrays
        The compiled network.
    rng : numpy.random.Generator
        The random stream for this draw (from ``rng.py``).
    cause : str
        The cause label put on the records (``hazards.hazard_cause``).

    Returns
    -------
    Damage
        The outages.
    """
    candidates = candidate_assets(hazard, arrays)
    succeeds = rng.random(len(candidates)) < success_probability(
        hazard.success_probability, arrays.hardening_factor[candidates]
    )
    costs, budget = attack_costs(hazard, arrays, candidates)
    if hazard.rank_by == "random":
        attempts = _within_budget(rng.permutation(len(candidates)), costs, budget)
    elif hazard.adaptive:
        scorer = scorer_for(hazard.rank_by, rng, hazard.betweenness_pivots)
        attempts = adaptive_attempts(arrays, candidates, succeeds, costs, budget, scorer)
    else:
        attempts = _within_budget(_static_order(hazard, arrays, candidates, rng), costs, budget)
    onset_h = hazard.at_h + hazard.interval_h * np.arange(len(attempts), dtype=float)
    hit = succeeds[attempts]
    duration_h = np.nan if hazard.duration_h is None else hazard.duration_h
    return Damage(
        asset_idx=candidates[attempts][hit],
        onset_h=onset_h[hit],
        duration_h=np.full(int(hit.sum()), duration_h),
        cause=cause,
    )


def candidate_assets(hazard: TargetedAttack, arrays: NetworkArrays) -> np.ndarray:
    """Asset indices the attacker may attempt, in asset order.

    Parameters
    ----------
    hazard : TargetedAttack
        The threat's scenario entry.
    arrays : NetworkArrays
        The compiled network.

    Returns
    -------
    numpy.ndarray
        Asset indices.
    """
    n = arrays.n_nodes
    wanted = np.zeros(arrays.n_assets, dtype=bool)
    if hazard.target == "nodes":
        wanted[:n] = True
    else:
        wanted[n:] = True
    wanted &= intact(arrays)
    if hazard.kinds is not None:
        wanted &= np.isin(arrays.asset_kinds, hazard.kinds)
    if hazard.cost_by_kind:
        wanted &= np.isin(arrays.asset_kinds, list(hazard.cost_by_kind))
    if hazard.exclude:
        wanted[arrays.indices_of(hazard.exclude)] = False
    return np.flatnonzero(wanted)


def attack_costs(
    hazard: TargetedAttack, arrays: NetworkArrays, candidates: np.ndarray
) -> tuple[np.ndarray, float]:
    """Cost of attempting each candidate and the attacker's budget, in one unit.

    Parameters
    ----------
    hazard : TargetedAttack
        The threat's scenario entry.
    arrays : NetworkArrays
        The compiled network.
    candidates : numpy.ndarray
        Asset indices.

    Returns
    -------
    costs : numpy.ndarray
        ``(len(candidates),)`` cost of each attempt.
    budget : float
        The attacker's budget.
    """
    if hazard.budget_cost is not None:
        kinds = arrays.asset_kinds[candidates]
        costs = np.array([hazard.cost_by_kind[k] for k in kinds], dtype=float)
        return costs, float(hazard.budget_cost)
    k = (
        hazard.budget_assets
        if hazard.budget_assets is not None
        else round(hazard.budget_share * len(candidates))
    )
    return np.ones(len(candidates)), float(k)


def adaptive_attempts(
    arrays: NetworkArrays,
    candidates: np.ndarray,
    succeeds: np.ndarray,
    costs: np.ndarray,
    budget: float,
    scorer: Scorer,
) -> np.ndarray:
    """Positions (into ``candidates``) attempted by an attacker that re-ranks the
    candidates not yet attempted on the damaged network before every attempt.

    Parameters
    ----------
    arrays : NetworkArrays
        The compiled network.
    candidates : numpy.ndarray
        Asset indices.
    succeeds : numpy.ndarray
        ``(len(candidates),)`` bool: the attempt would succeed.
    costs : numpy.ndarray
        ``(len(candidates),)`` cost of each attempt.
    budget : float
        The attacker's budget.
    scorer : Scorer
        Scores candidates on the damaged network.

    Returns
    -------
    numpy.ndarray
        Positions into ``candidates``, in attempt order.
    """
    asset_up = intact(arrays).copy()
    open_ = np.ones(len(candidates), dtype=bool)
    attempts: list[int] = []
    while True:
        affordable = np.flatnonzero(open_ & (costs <= budget + _COST_SLACK))
        if len(affordable) == 0:
            return np.asarray(attempts, dtype=np.int64)
        best = int(affordable[rank(scorer(arrays, asset_up, candidates[affordable]))[0]])
        attempts.append(best)
        open_[best] = False
        budget -= costs[best]
        if succeeds[best]:
            asset_up[candidates[best]] = False


def _static_order(
    hazard: TargetedAttack, arrays: NetworkArrays, candidates: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Candidate positions ranked once on the undamaged network (cached per study unless
    the ranking draws random pivots)."""

    def compute() -> np.ndarray:
        scorer = scorer_for(hazard.rank_by, rng, hazard.betweenness_pivots)
        return rank(scorer(arrays, intact(arrays), candidates))

    if hazard.betweenness_pivots is not None:
        return compute()
    return per_hazard(arrays, hazard, "targeted_attack.static_order", compute)


def _within_budget(order: np.ndarray, costs: np.ndarray, budget: float) -> np.ndarray:
    """The attempts an attacker going down ``order`` can pay for (skipping what it cannot)."""
    if len(costs) == 0 or np.all(costs == costs[0]):
        count = int((budget + _COST_SLACK) // costs[0]) if len(costs) else 0
        return np.asarray(order[:count], dtype=np.int64)
    attempts = []
    for position in order:
        if costs[position] <= budget + _COST_SLACK:
            attempts.append(int(position))
            budget -= costs[position]
            if budget < _COST_SLACK:
                break
    return np.asarray(attempts, dtype=np.int64)
