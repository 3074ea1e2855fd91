"""Reports: self-contained HTML from a run folder (the only importer of plotly)."""

from resilience_sim.reports.html import REPORT_NAME, render_report, write_report
from resilience_sim.reports.run_folder import RunFolder

__all__ = ["REPORT_NAME", "RunFolder", "render_report", "write_report"]
