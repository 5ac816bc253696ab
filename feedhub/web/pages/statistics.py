"""A shop's statistics page and its CSV: per project, products over the last runs, invalid products by
reason, downloads per day and run durations, drawn as SVG (feedhub.web.charts) with a table of the same
numbers under each chart. Any member may look; the numbers come from `accounts.statistics`, as the API's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from accounts.statistics import DOWNLOAD_DAYS, RUNS_SHOWN, ProjectStatistics, ShopStatistics, describe_statistics
from feedhub.web.caller import Caller, Db, MaybeCaller
from feedhub.web.charts import Series, bar_chart, line_chart, ranked_bars
from feedhub.web.language import page_translations
from feedhub.web.pages.base import render, signed_in
from feedhub.web.statistics_csv import statistics_csv

router = APIRouter(include_in_schema=False)
Gettext = Callable[[str], str]


@dataclass(frozen=True)
class ChartView:
    """A chart and the table of its numbers (the same numbers, for people who cannot see the drawing)."""

    heading: str
    svg: Markup
    columns: Sequence[str]
    rows: Sequence[Sequence[object]]


@router.get("/shops/{shop_id}/statistics", response_class=HTMLResponse)
def statistics_page(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """Each project's charts (any member); an outsider gets the page a missing shop gives."""
    def act(c: Caller) -> Response:
        _ = page_translations(request, c).gettext
        stats = describe_statistics(session, c.user, shop_id)
        return render(request, "statistics.html", caller=c, title=_("Statistics: {shop}").format(shop=stats.name),
                      stats=stats, charts={p.project_id: project_charts(p, stats, _) for p in stats.projects},
                      runs_shown=RUNS_SHOWN, days_shown=DOWNLOAD_DAYS)
    return signed_in(request, caller, act)


@router.get("/shops/{shop_id}/statistics.csv")
def statistics_download(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """The page's numbers as one CSV (feedhub.web.statistics_csv says why one)."""
    def act(c: Caller) -> Response:
        stats = describe_statistics(session, c.user, shop_id)
        return Response(statistics_csv(stats), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="shop-{stats.shop_id}-statistics.csv"'})
    return signed_in(request, caller, act)


def project_charts(project: ProjectStatistics, stats: ShopStatistics, _: Gettext) -> list[ChartView]:
    """The charts of one project that have something to show, in the page's language."""
    ident = f"p{project.project_id}"
    charts = []
    if project.runs:
        charts.append(_products(ident, project, _))
    charts.extend(_problems(ident, project, _))
    if project.downloads:
        charts.append(_downloads(ident, project, stats, _))
    if project.durations:
        charts.append(_durations(ident, project, _))
    return charts


def _products(ident: str, project: ProjectStatistics, _: Gettext) -> ChartView:
    labels = [_when(run.started_at) for run in project.runs]
    series = [Series(_("products in"), [r.products_in for r in project.runs]),
              Series(_("products out"), [r.products_out for r in project.runs]),
              Series(_("hidden by rules"), [r.hidden for r in project.runs])]
    series += [Series(_("invalid for {export}").format(export=export), [r.invalid.get(export, 0) for r in project.runs])
               for export in project.exports]
    title = _("Products in, out, hidden and invalid")
    desc = _("Products per run over the last {count} runs that processed the feed of {project}, oldest first.").format(
        count=len(labels), project=project.name)
    rows = [[label, *(s.values[i] for s in series)] for i, label in enumerate(labels)]
    return ChartView(title, line_chart(f"{ident}-products", title, desc, labels, series),
                     [_("Run started (UTC)"), *(s.name for s in series)], rows)


def _problems(ident: str, project: ProjectStatistics, _: Gettext) -> list[ChartView]:
    charts = []
    for n, problems in enumerate(project.problems):
        if not problems.invalid:
            continue
        labels = [reason for reason, _count in problems.reasons]
        values = [count for _reason, count in problems.reasons]
        if problems.unlisted:
            labels.append(_("not itemised in the run report"))
            values.append(problems.unlisted)
        title = _("Invalid products by reason: {export}").format(export=problems.export)
        desc = _("{invalid} invalid products for {export} in the newest run that processed the feed; a product "
                 "with several problems counts under each.").format(invalid=problems.invalid, export=problems.export)
        charts.append(ChartView(title, ranked_bars(f"{ident}-problems-{n}", title, desc, labels, values),
                                [_("Reason"), _("Products")], list(zip(labels, values, strict=True))))
    return charts


def _downloads(ident: str, project: ProjectStatistics, stats: ShopStatistics, _: Gettext) -> ChartView:
    labels = [day.isoformat() for day in stats.days]
    series = [Series(d.export, d.per_day) for d in project.downloads]
    title = _("Downloads per day")
    desc = _("Downloads of each published feed of {project} per day (UTC) over the last {count} days.").format(
        project=project.name, count=len(labels))
    rows = [[label, *(s.values[i] for s in series)] for i, label in enumerate(labels)]
    return ChartView(title, line_chart(f"{ident}-downloads", title, desc, labels, series),
                     [_("Day (UTC)"), *(s.name for s in series)], rows)


def _durations(ident: str, project: ProjectStatistics, _: Gettext) -> ChartView:
    labels = [_when(run.started_at) for run in project.durations]
    values = [run.seconds for run in project.durations]
    title = _("Run durations")
    desc = _("Seconds each of the last {count} runs of {project} took, oldest first.").format(
        count=len(labels), project=project.name)
    return ChartView(title, bar_chart(f"{ident}-durations", title, desc, labels, values),
                     [_("Run started (UTC)"), _("Seconds")], list(zip(labels, values, strict=True)))


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")
