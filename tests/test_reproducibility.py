"""Randomness: one seed, bit-identical results; statistics of random failures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_topology, scenario_on

from resilience_sim import simulate
from resilience_sim.hazards import sample_hazards
from resilience_sim.rng import replication_rngs, replication_seeds
from resilience_sim.topology import compile_topology


def star(n_sites: int):
    nodes = [{"id": "hub", "kind": "exchange", "lat": -18.0, "lon": 178.0}]
    nodes += [
        {
            "id": f"s{i}",
            "kind": "cell_site",
            "population": 1 + i % 7,
            "lat": -18.0 + 0.01 * (i % 10),
            "lon": 178.0 + 0.01 * (i // 10),
        }
        for i in range(n_sites)
    ]
    links = [
        {"id": f"l{i}", "source": "hub", "target": f"s{i}", "kind": "microwave"}
        for i in range(n_sites)
    ]
    return make_topology(nodes, links, "star")


def random_scenario(topology, **extra):
    return scenario_on(
        topology,
        hazards=[{"type": "asset_failure", "kind": "cell_site", "fraction": 0.3}],
        recovery={"crews": [{"depot": "hub", "count": 2}]},
        **extra,
    )


def test_same_seed_gives_identical_tables():
    scenario = random_scenario(star(40))
    a = simulate(scenario, replications=5, seed=99)
    b = simulate(scenario, replications=5, seed=99)
    for table in ("timeline", "events", "summary", "regional"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)


def test_different_seed_differs():
    scenario = random_scenario(star(40))
    a = simulate(scenario, replications=3, seed=1)
    b = simulate(scenario, replications=3, seed=2)
    assert not a.summary.equals(b.summary)


def test_replication_is_reproducible_alone():
    """Replication k of a study equals replication k computed on its own."""
    scenario = random_scenario(star(30))
    arrays = compile_topology(scenario.topology)
    seeds = replication_seeds(7, 4)
    together = [
        sample_hazards(scenario.spec, scenario.topology, arrays, replication_rngs(s)["hazards"])[
            0
        ].asset_idx
        for s in seeds
    ]
    alone = sample_hazards(
        scenario.spec,
        scenario.topology,
        arrays,
        replication_rngs(replication_seeds(7, 4)[3])["hazards"],
    )[0].asset_idx
    np.testing.assert_array_equal(together[3], alone)


def test_random_failure_count_is_binomial():
    """Failed-site counts over 400 replications match Binomial(n=50, p=0.3).

    Mean 15, variance n p (1-p) = 10.5. The mean of 400 counts has standard error
    sqrt(10.5/400) = 0.162; we allow 4 standard errors (a false alarm rate of 6e-5).
    The sample variance of 400 draws has standard error ~ 10.5*sqrt(2/399) = 0.74;
    we allow 4 of those too.
    """
    scenario = random_scenario(star(50))
    arrays = compile_topology(scenario.topology)
    counts = np.array(
        [
            len(
                sample_hazards(
                    scenario.spec, scenario.topology, arrays, replication_rngs(s)["hazards"]
                )[0]
            )
            for s in replication_seeds(2024, 400)
        ]
    )
    assert abs(counts.mean() - 15.0) < 4 * 0.162
    assert abs(counts.var(ddof=1) - 10.5) < 4 * 0.74


def test_summary_served_fraction_never_above_baseline():
    result = simulate(random_scenario(star(30)), replications=10, seed=5)
    assert (result.timeline.served_domestic_frac <= 1.0).all()
    assert (result.summary.peak_outage_frac >= 0).all()
    # every replication with a failure has an outage
    failed = result.events[result.events.event == "fail"].groupby("replication").size()
    assert (result.summary.set_index("replication").loc[failed.index].peak_outage_frac > 0).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_expected_peak_outage_matches_the_failure_probability(seed):
    """With every site failing independently with p = 0.3 and no repair before the
    peak, E[peak outage share of users] = 0.3. 200 replications of 50 sites:
    per-replication sd <= sqrt(0.3*0.7*sum(w^2))/sum(w) ~ 0.074, so the mean's
    standard error is ~0.0052; allow 4 standard errors."""
    scenario = random_scenario(star(50))
    result = simulate(scenario, replications=200, seed=seed)
    pops = np.array([1 + i % 7 for i in range(50)], dtype=float)
    se = np.sqrt(0.3 * 0.7 * np.sum(pops**2)) / pops.sum() / np.sqrt(200)
    assert abs(result.summary.peak_outage_frac.mean() - 0.3) < 4 * se
