"""A shop's statistics as one CSV: one row per number, a column naming the chart and one naming the series.

One file per dashboard, in long form, rather than one per chart: a single download holds every number
the page draws (four charts for each project would be dozens of links), it pivots in a spreadsheet, and
its columns stay the same whatever exports, reasons or days there are. Columns:

    chart       products | durations | problems | downloads
    project_id, project
    series      products: products_in, products_out, hidden, invalid:<export>; durations: seconds;
                problems and downloads: the export's name
    run_id      the run the number belongs to (problems: the run the reasons were taken from)
    at          products and durations: when the run started (UTC, ISO 8601); downloads: the day
    label       problems: the reason (NOT_ITEMISED for invalid products the report does not list)
    value       the number

Cells a spreadsheet would run as formulas are defused (an export or project name is typed by people,
a reason quotes feed values).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from accounts.statistics import ProjectStatistics, ShopStatistics
from feeds.exports.csvwriter import spreadsheet_safe

COLUMNS = ("chart", "project_id", "project", "series", "run_id", "at", "label", "value")
NOT_ITEMISED = "(not itemised in the run report)"


def statistics_csv(stats: ShopStatistics) -> str:
    """The whole CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for project in stats.projects:
        for chart, series, run_id, at, label, value in _rows(project, stats):
            writer.writerow([chart, project.project_id, spreadsheet_safe(project.name), spreadsheet_safe(series),
                             run_id, at, spreadsheet_safe(label), value])
    return out.getvalue()


def _rows(project: ProjectStatistics, stats: ShopStatistics) -> Iterator[tuple[str, str, str, str, str, float]]:
    for run in project.runs:
        at = run.started_at.isoformat()
        yield "products", "products_in", str(run.run_id), at, "", run.products_in
        yield "products", "products_out", str(run.run_id), at, "", run.products_out
        yield "products", "hidden", str(run.run_id), at, "", run.hidden
        for export in project.exports:
            if export in run.invalid:
                yield "products", f"invalid:{export}", str(run.run_id), at, "", run.invalid[export]
    for duration in project.durations:
        yield "durations", "seconds", str(duration.run_id), duration.started_at.isoformat(), "", duration.seconds
    for problems in project.problems:
        for reason, count in problems.reasons:
            yield "problems", problems.export, str(problems.run_id), "", reason, count
        if problems.unlisted:
            yield "problems", problems.export, str(problems.run_id), "", NOT_ITEMISED, problems.unlisted
    for downloads in project.downloads:
        for day, count in zip(stats.days, downloads.per_day, strict=True):
            yield "downloads", downloads.export, "", day.isoformat(), "", count
