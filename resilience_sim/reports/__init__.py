"""Reports: self-contained HTML from a run folder or a topology (the only importer of plotly).

Last stage of the pipeline: reads only run folders (of a study, a comparison or a
sweep) or topology files, and writes pages that work offline (docs/report.md).
"""

from resilience_sim.reports.compare_report import write_comparison_report
from resilience_sim.reports.html import REPORT_NAME, render_report, write_report
from resilience_sim.reports.run_folder import RunFolder
from resilience_sim.reports.study_folder import folder_kind
from resilience_sim.reports.sweep_report import write_sweep_report
from resilience_sim.reports.topology_page import render_topology_page, write_topology_page

__all__ = [
    "REPORT_NAME",
    "RunFolder",
    "folder_kind",
    "render_report",
    "render_topology_page",
    "write_comparison_report",
    "write_report",
    "write_sweep_report",
    "write_topology_page",
]
