"""The hazard registry: one list of types drives the schema, the samplers and the docs.

Every registered type must have a parameter model (the schema), a sampler (hazards or
threats), a documentation page naming it, and a YAML example -- in that page or in a
shipped scenario -- that validates against the schema.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter

from resilience_sim.hazards import SAMPLERS
from resilience_sim.hazards.kit.footprint import FOOTPRINTS
from resilience_sim.scenario.registry import HAZARD_REGISTRY, check_covers, names_of
from resilience_sim.scenario.schema import HAZARD_TAGS, HAZARD_TYPES, Hazard
from resilience_sim.threats import THREAT_SAMPLERS

ROOT = Path(__file__).resolve().parents[1]
YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def test_the_schema_is_the_registry():
    assert frozenset(HAZARD_REGISTRY) == HAZARD_TAGS
    assert tuple(e.spec for e in HAZARD_REGISTRY.values()) == HAZARD_TYPES
    assert names_of("hazard") | names_of("threat") == HAZARD_TAGS
    assert not names_of("hazard") & names_of("threat")


def test_every_type_has_exactly_one_sampler_and_damaging_hazards_a_footprint():
    assert set(SAMPLERS) == names_of("hazard")
    assert set(THREAT_SAMPLERS) == names_of("threat")
    assert names_of("hazard") - set(FOOTPRINTS) == {"power_grid_outage"}


def test_a_sampler_table_that_misses_a_type_is_refused():
    with pytest.raises(RuntimeError, match=r"missing \['earthquake'\], not registered \['x'\]"):
        check_covers("hazard", (set(SAMPLERS) - {"earthquake"}) | {"x"}, "table")


def _dicts(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dicts(value)


def _examples(name: str, doc: Path) -> list[dict]:
    """Hazard mappings of type ``name`` in the doc's YAML blocks and shipped scenarios."""
    documents = []
    for block in YAML_BLOCK.findall(doc.read_text(encoding="utf-8")):
        try:
            documents.append(yaml.safe_load(block))
        except yaml.YAMLError:
            continue  # a fragment with "..." elisions
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        documents.append(yaml.safe_load(path.read_text(encoding="utf-8")))
    return [d for doc_ in documents for d in _dicts(doc_) if d.get("type") == name]


@pytest.mark.parametrize("name", sorted(HAZARD_REGISTRY))
def test_every_type_has_a_doc_page_and_a_valid_example(name):
    entry = HAZARD_REGISTRY[name]
    doc = ROOT / entry.doc
    assert doc.is_file(), entry.doc
    assert f"`{name}`" in doc.read_text(encoding="utf-8"), f"{entry.doc} never names {name}"
    examples = _examples(name, doc)
    assert examples, f"no YAML example of type {name} in {entry.doc} or scenarios/"
    adapter = TypeAdapter(Hazard)
    for example in examples:
        assert type(adapter.validate_python(example)) is entry.spec


@pytest.mark.parametrize("name", sorted(names_of("hazard")))
def test_every_hazard_is_in_the_scenario_format_table_and_its_page_in_the_index(name):
    """The two lists a new hazard must join besides its own page (docs/architecture.md,
    "Adding a natural hazard"): the hazard-type table of docs/scenario-format.md and,
    for a page of its own, the docs index."""
    table = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert f"\n| `{name}` |" in table, f"docs/scenario-format.md: no row for {name}"
    doc = HAZARD_REGISTRY[name].doc
    if doc.startswith("docs/hazards/"):
        index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
        link = doc.removeprefix("docs/")
        assert f"]({link})" in index, f"docs/README.md does not link {link}"
