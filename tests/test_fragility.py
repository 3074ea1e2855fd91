"""Fragility maths: lognormal curves, exceedance, sampling damage states."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import lognorm

from resilience_sim.hazards.kit.fragility import (
    FragilityCurve,
    FragilitySet,
    sample_damage_states,
    sample_graded_damage_states,
)

SET = FragilitySet.from_parameters(
    "pga_g", (0.15, 0.29, 0.45, 0.90), (0.70, 0.55, 0.45, 0.45), "test"
)


def test_curve_is_one_half_at_the_median_and_matches_scipy():
    curve = FragilityCurve(0.29, 0.55)
    assert curve.probability(np.array([0.29]))[0] == pytest.approx(0.5)
    x = np.array([0.1, 0.5, 1.2])
    np.testing.assert_allclose(curve.probability(x), lognorm(s=0.55, scale=0.29).cdf(x))
    assert curve.probability(np.array([0.0]))[0] == 0.0


@given(st.lists(st.floats(0, 5), min_size=2, max_size=20))
def test_exceedance_monotone_in_intensity_and_state(xs):
    x = np.sort(np.array(xs))
    p = SET.exceedance(x)
    assert np.all(np.diff(p, axis=0) >= -1e-15)  # rises with intensity
    assert np.all(np.diff(p, axis=1) <= 0)  # falls with the damage state


def test_sampled_state_shares_match_the_curves():
    """At the moderate median (0.29 g) P(>= moderate) = 0.5 exactly. 20,000 assets:
    the share's standard error is sqrt(0.25/20000) = 0.0035; allow 4 of them."""
    n = 20_000
    p = SET.exceedance(np.full(n, 0.29))
    states = sample_damage_states(p, np.random.default_rng(1))
    assert abs(np.mean(states >= 2) - 0.5) < 4 * 0.0035
    expected_slight = p[0, 0]
    se = np.sqrt(expected_slight * (1 - expected_slight) / n)
    assert abs(np.mean(states >= 1) - expected_slight) < 4 * se


def test_hardening_factor_shifts_the_median():
    kinds = np.array(["x", "x"], dtype=object)
    exceed_at = []
    for factor in (1.0, 2.0):
        states = sample_graded_damage_states(
            np.full(2, 0.29 * factor),
            kinds,
            {"x": SET},
            np.random.default_rng(3),
            median_factor=np.full(2, factor),
        )
        exceed_at.append(states.tolist())
    assert exceed_at[0] == exceed_at[1]  # same draws, scaled intensity and medians


def test_kinds_without_curves_are_undamaged():
    states = sample_graded_damage_states(
        np.full(3, 10.0),
        np.array(["x", "y", "x"], dtype=object),
        {"x": SET},
        np.random.default_rng(0),
    )
    assert states[1] == 0 and states[0] == 4 and states[2] == 4
