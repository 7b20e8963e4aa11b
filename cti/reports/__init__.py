"""`hotline report`: contact-centre KPIs computed by the database from cdr, queue_log and agent_state_log.

Modules: `options` (period, filters, thresholds), `traffic` / `agents` / `callers` / `dialer`
(the SQL), `kpis` (the arithmetic and the definitions), `service` (runs them), `render`
(table, csv, json), `chart` (png), `indexes` (report-only indexes).
"""

from cti.reports.options import ReportOptions, parse_time
from cti.reports.service import Report, build_report

__all__ = ["Report", "ReportOptions", "build_report", "parse_time"]
