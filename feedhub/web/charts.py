"""Small server-rendered SVG charts: lines over a sequence, vertical bars, horizontal bars with labels.

No JavaScript: the page stays readable without it and prints. Each chart is an `<svg role="img">`
named by its own `<title>` and `<desc>` (unique ids per page, given by the caller); every point and
bar carries a `<title>` with its label and value (a tooltip, and read by screen readers), and the
page puts a table of the same numbers next to it. Every text is escaped here, once: labels come
from feeds and people (export names, project names, validator reasons quoting feed values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220  # user units; the SVG scales to its container
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 28  # room for the axis labels
BAR_ROW = 22  # height of one row of a horizontal bar chart
LABEL_CHARS = 38  # a longer label is cut in the drawing; its <title> keeps it whole
COLOURS = ("#1a5fb4", "#c01c28", "#26a269", "#a347ba", "#e66100", "#5e5c64")
DASHES = ("", "6 3", "2 3", "8 3 2 3")  # with the colour, so lines differ without it too


@dataclass(frozen=True)
class Series:
    """One named line of a chart: a value per label."""

    name: str
    values: Sequence[float]


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """A line per series over `labels`, a dot with its value at each point, and a legend."""
    top = _top(value for s in series for value in s.values)
    step = (WIDTH - LEFT - RIGHT) / max(len(labels) - 1, 1)

    def x_of(i: int) -> float:  # a single point sits in the middle
        return LEFT + (i * step if len(labels) > 1 else (WIDTH - LEFT - RIGHT) / 2)

    parts = _frame(top, labels, x_of)
    for n, line in enumerate(series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        points = [(x_of(i), _y(value, top)) for i, value in enumerate(line.values)]
        parts.append(f'<g class="series" data-series="{escape(line.name)}">'
                     f'<polyline fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(line.name)}, '
                     f'{escape(labels[i])}: {_number(line.values[i])}</title></circle>'
                     for i, (x, y) in enumerate(points))
        parts.append("</g>")
    return _svg(chart_id, title, desc, HEIGHT + 8 + 18 * len(series), parts + _legend(series))


def bar_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], values: Sequence[float]) -> Markup:
    """A vertical bar per label (a sequence: runs, days), its value in the bar's title."""
    top = _top(values)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    parts = _frame(top, labels, lambda i: LEFT + (i + 0.5) * slot)
    for i, value in enumerate(values):
        y = _y(value, top)
        parts.append(f'<rect class="bar" x="{LEFT + i * slot + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{COLOURS[0]}"><title>{escape(labels[i])}: '
                     f'{_number(value)}</title></rect>')
    return _svg(chart_id, title, desc, HEIGHT, parts)


def ranked_bars(chart_id: str, title: str, desc: str, labels: Sequence[str], values: Sequence[float]) -> Markup:
    """A horizontal bar per label (categories with long names: reasons), the value written after it."""
    top = _top(values)
    label_width = 260
    span = WIDTH - label_width - 60
    parts = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * BAR_ROW
        shown = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        width = span * value / top
        parts.append(f'<g class="bar"><title>{escape(label)}: {_number(value)}</title>'
                     f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(shown)}</text>'
                     f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{BAR_ROW - 6}" '
                     f'fill="{COLOURS[1]}"/><text x="{label_width + width + 4:.1f}" y="{y + 15}">'
                     f"{_number(value)}</text></g>")
    return _svg(chart_id, title, desc, TOP * 2 + BAR_ROW * len(labels), parts)


def _frame(top: float, labels: Sequence[str], x_of: Callable[[int], float]) -> list[str]:
    """Horizontal grid lines with their values, and the first and last labels under the axis."""
    parts = []
    for fraction in (0, 0.5, 1):
        y = _y(top * fraction, top)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(top * fraction)}</text>')
    ends = sorted({0, len(labels) - 1}) if labels else []
    for i in ends:
        x = x_of(i)
        anchor = "start" if i == 0 and len(labels) > 1 else "end" if i else "middle"
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">{escape(labels[i])}</text>')
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    return [f'<g class="legend"><line x1="{LEFT}" x2="{LEFT + 24}" y1="{HEIGHT + 12 + 18 * n}" '
            f'y2="{HEIGHT + 12 + 18 * n}" stroke="{COLOURS[n % len(COLOURS)]}" stroke-width="2" '
            f'stroke-dasharray="{DASHES[n % len(DASHES)]}"/><text x="{LEFT + 30}" y="{HEIGHT + 16 + 18 * n}">'
            f"{escape(line.name)}</text></g>" for n, line in enumerate(series)]


def _svg(chart_id: str, title: str, desc: str, height: float, parts: list[str]) -> Markup:
    ident = escape(chart_id)
    return Markup(
        f'<svg id="{ident}" class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" font-size="12" font-family="system-ui, sans-serif" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>' + "".join(parts) + "</svg>"
    )


def _top(values: Iterable[float]) -> float:
    """The value at the top of the axis: the largest, or 1 when every value is 0 (a flat line at the bottom)."""
    return max(values, default=0.0) or 1.0


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * value / top


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
