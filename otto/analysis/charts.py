"""Server-rendered SVG bar charts: horizontal bars, stacked by series, with a text label for
every row, every total and every series, and a <title>/<desc> for screen readers.

Only presentation attributes (fill, x, width …): no style attributes, so the pages keep a
Content-Security-Policy without 'unsafe-inline'.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
LABEL_WIDTH = 230
BAR_AREA = 400
ROW_HEIGHT = 30
BAR_HEIGHT = 20
LEGEND_HEIGHT = 30


@dataclass(frozen=True)
class Series:
    """One stacked part of every bar: its name in the legend and its colour."""

    label: str
    color: str


def _text(x, y, content, anchor="start", extra="") -> str:
    return (
        f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="14" fill="#1f2328"{extra}>'
        f"{escape(content)}</text>"
    )


def bar_chart(
    chart_id: str, title: str, rows: list[tuple[str, list[int]]], series: list[Series], desc=""
) -> Markup:
    """A horizontal bar chart: one bar per (label, values) row, values stacked in the order
    of `series`; each bar ends with its total. Bars share one scale (the largest total)."""
    largest = max((sum(values) for _label, values in rows), default=0)
    legend = _legend(series) if len(series) > 1 else []
    top = LEGEND_HEIGHT * (1 + max(line for _x, line, _item in legend)) if legend else 8
    height = top + ROW_HEIGHT * max(len(rows), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc or _describe(rows, series))}</desc>',
    ]
    for x, line, item in legend:
        y = 6 + line * LEGEND_HEIGHT
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{item.color}"/>')
        parts.append(_text(x + 20, y + 12, item.label))
    for index, (label, values) in enumerate(rows):
        y = top + index * ROW_HEIGHT
        parts.append(_text(LABEL_WIDTH - 8, y + 15, label, anchor="end"))
        x = LABEL_WIDTH
        for value, item in zip(values, series, strict=True):
            if not value:
                continue
            width = round(BAR_AREA * value / largest, 1)
            parts.append(
                f'<rect x="{x}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                f'fill="{item.color}" data-value="{value}">'
                f"<title>{escape(label)}, {escape(item.label.lower())}: {value}</title></rect>"
            )
            x = round(x + width, 1)
        parts.append(_text(x + 6, y + 15, str(sum(values)), extra=' class="total"'))
    parts.append("</svg>")
    # Every text piece above is escaped; colours and numbers come from code.
    return Markup("".join(parts))  # nosec B704


def _legend(series: list[Series]) -> list[tuple[int, int, Series]]:
    """(x, line, series) of each legend entry, wrapped onto more lines when too wide."""
    placed, x, line = [], LABEL_WIDTH, 0
    for item in series:
        width = 32 + 8 * len(item.label)  # swatch, gap and a generous 8 px per character
        if x + width > WIDTH and x > LABEL_WIDTH:
            x, line = LABEL_WIDTH, line + 1
        placed.append((x, line, item))
        x += width
    return placed


def _describe(rows, series) -> str:
    """The chart's figures as one sentence, for those who cannot see the bars."""
    described = []
    for label, values in rows:
        if len(series) > 1:
            detail = ", ".join(
                f"{s.label.lower()} {v}" for s, v in zip(series, values, strict=True)
            )
            described.append(f"{label}: {sum(values)} ({detail})")
        else:
            described.append(f"{label}: {sum(values)}")
    return "; ".join(described) + "." if described else "Inga uppgifter."
