"""The study folder format: file names, manifest writing and reading, snapshots.

One package owns what a run folder (and the folders of ``compare``, ``sweep``,
``criticality`` and ``event-set``) holds and how it is named (docs/results.md):

- :mod:`.names`: every file name, folder names and UTC stamps;
- :mod:`.manifest`: ``build_manifest`` / ``write_manifest`` / ``read_manifest``;
- :mod:`.environment`: the package versions, OS and CPU a manifest records;
- :mod:`.snapshots`: ``scenario.json`` / ``topology.json``, their SHA-256, reading them;
- :mod:`.folder`: atomic folder writing, free names, content hashes.

The tables themselves and the partial run folder of long studies are written by
:mod:`resilience_sim.experiments.results` with these names.
"""

from resilience_sim.experiments.runfolder.environment import package_versions, platform_record
from resilience_sim.experiments.runfolder.folder import (
    free_name,
    remove_abandoned_folders,
    sha256_file,
    write_folder,
    write_json_atomic,
)
from resilience_sim.experiments.runfolder.manifest import (
    FORMAT,
    build_manifest,
    execution_record,
    read_manifest,
    write_manifest,
)
from resilience_sim.experiments.runfolder.names import (
    BATCHES_DIR,
    MANIFEST_FILE,
    PARTIAL_SUFFIX,
    PROGRESS_FILE,
    REPORT_FILE,
    SCENARIO_SNAPSHOT,
    SNAPSHOT_FILES,
    SUMMARY_CSV,
    SUMMARY_STATS_CSV,
    TOPOLOGY_SNAPSHOT,
    parse_utc,
    run_stem,
    slugify,
    table_file,
    utc_now,
    utc_text,
)
from resilience_sim.experiments.runfolder.snapshots import (
    check_snapshots,
    input_record,
    scenario_from_snapshots,
    write_snapshots,
)

__all__ = [
    "BATCHES_DIR",
    "FORMAT",
    "MANIFEST_FILE",
    "PARTIAL_SUFFIX",
    "PROGRESS_FILE",
    "REPORT_FILE",
    "SCENARIO_SNAPSHOT",
    "SNAPSHOT_FILES",
    "SUMMARY_CSV",
    "SUMMARY_STATS_CSV",
    "TOPOLOGY_SNAPSHOT",
    "build_manifest",
    "check_snapshots",
    "execution_record",
    "free_name",
    "input_record",
    "package_versions",
    "parse_utc",
    "platform_record",
    "read_manifest",
    "remove_abandoned_folders",
    "run_stem",
    "scenario_from_snapshots",
    "sha256_file",
    "slugify",
    "table_file",
    "utc_now",
    "utc_text",
    "write_folder",
    "write_json_atomic",
    "write_manifest",
    "write_snapshots",
]
