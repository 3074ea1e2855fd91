"""Synthetic topologies: exact size, degree, schema validity, structure per preset, CLI."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

from resilience_sim.cli import cli
from resilience_sim.engine import baseline_population
from resilience_sim.errors import InputError
from resilience_sim.topology import TopologyDocument, compile_topology, read_topology
from resilience_sim.topology.checks import build_topology
from resilience_sim.topology.generate import (
    PERSONS_PER_CELL_SITE,
    PRESETS,
    generate_topology,
)
from resilience_sim.topology.io.native import topology_to_dict


@pytest.fixture(scope="module", params=PRESETS)
def generated(request):
    return request.param, generate_topology(request.param, 1_500, seed=7)


def kinds(topology):
    return Counter(n.kind.value for n in topology.nodes)


def link_kinds(topology):
    return Counter(e.kind.value for e in topology.links)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("n", [100, 101, 2_345])
def test_exact_size_and_mean_degree(preset, n):
    topo = generate_topology(preset, n, seed=1)
    assert topo.n_nodes == n
    # links are added up to round(2.8 n / 2); small networks may fall a link short
    assert 2.75 <= 2 * topo.n_links / n <= 2.8 + 1e-9


def test_same_seed_same_network_other_seed_other_network():
    a = generate_topology("national", 800, seed=5)
    assert generate_topology("national", 800, seed=5) == a
    b = generate_topology("national", 800, seed=6)
    assert [n.lat for n in b.nodes] != [n.lat for n in a.nodes]


def test_passes_the_schema_and_reference_checks(generated):
    """The fast construction gives the same objects as validating the file form."""
    _, topo = generated
    doc = TopologyDocument.model_validate(topology_to_dict(topo))
    assert build_topology(doc, "<generated>") == topo


def test_everyone_is_served_in_the_undamaged_network(generated):
    """Every access node reaches the core and a foreign gateway before any damage."""
    _, topo = generated
    arrays = compile_topology(topo)
    base = baseline_population(arrays)
    total = arrays.population.sum()
    assert base.domestic[0] == total
    assert base.international[0] == total
    # populations are whole persons, ~PERSONS_PER_CELL_SITE per cell site on average
    assert np.all(arrays.population == np.round(arrays.population))
    n_cells = kinds(topo)["cell_site"]
    assert total == pytest.approx(PERSONS_PER_CELL_SITE * n_cells, rel=0.02)


def test_flags_feeds_and_regions(generated):
    _, topo = generated
    by_id = {n.id: n for n in topo.nodes}
    core = [n for n in topo.nodes if n.core]
    assert len(core) >= 2 and all(n.kind.value == "exchange" for n in core)
    intl = [n for n in topo.nodes if n.international]
    assert intl and all(n.kind.value == "gateway" and n.region == "abroad" for n in intl)
    for n in topo.nodes:
        if n.region == "abroad" or n.kind.value == "power_substation":
            assert n.power_feed is None
        else:
            assert by_id[n.power_feed].kind.value == "power_substation"
    assert 3 <= len(topo.regions) - 1 <= 47  # domestic regions, plus "abroad"
    cells = [n for n in topo.nodes if n.kind.value == "cell_site"]
    assert all(n.population > 0 for n in cells)
    assert all(n.battery_h in (3.0, 24.0) for n in cells)
    assert any(n.critical for n in cells)


def test_preset_structure(generated):
    preset, topo = generated
    k, lk = kinds(topo), link_kinds(topo)
    by_id = {n.id: n for n in topo.nodes}
    subs = [e for e in topo.links if e.kind.value == "submarine_cable"]
    abroad = [e for e in subs if "abroad" in (by_id[e.source].region, by_id[e.target].region)]
    if preset == "landlocked":
        assert "landing_station" not in k and "submarine_cable" not in lk
        cross = [
            e
            for e in topo.links
            if e.kind.value == "terrestrial_fiber"
            and "abroad" in (by_id[e.source].region, by_id[e.target].region)
        ]
        assert len({x for e in cross for x in (e.source, e.target) if x.startswith("gw")}) == 2
    elif preset == "island":
        assert k["landing_station"] == 1 and len(subs) == 1 == len(abroad)
    elif preset == "archipelago":
        domestic = [e for e in subs if e not in abroad]
        assert k["landing_station"] >= 4
        assert len(domestic) >= k["landing_station"] - 1  # every outer island is joined
    else:
        assert k["landing_station"] == 3 and len(abroad) == 3
    assert lk["satellite"] == 1  # the GEO backup


def test_size_and_preset_errors_name_the_argument():
    with pytest.raises(InputError) as exc:
        generate_topology("national", 99, 0)
    assert exc.value.problems[0].field == "n_nodes"
    with pytest.raises(InputError) as exc:
        generate_topology("continent", 500, 0)
    assert exc.value.problems[0].field == "preset"


def test_cli_writes_the_same_network(tmp_path):
    out = tmp_path / "net.json"
    result = CliRunner().invoke(
        cli,
        ["topology", "generate", "--preset", "island", "--nodes", "250", "--seed", "4",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_topology(out) == generate_topology("island", 250, 4)


def test_cli_bad_size_exits_2_without_traceback(tmp_path):
    result = CliRunner().invoke(
        cli, ["topology", "generate", "--nodes", "50", "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert "--nodes: 50: must be 100 to 1,000,000" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists()
