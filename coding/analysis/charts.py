"""Charts drawn as SVG on the server: no chart library, no script, nothing from elsewhere.

Colours come from the codebook, set through SVG presentation attributes (allowed by the page's
Content-Security-Policy, unlike inline styles). Colour is never the only signal: every bar and
cell carries its number, projects are told apart by patterns and labels, and cells that differ
carry an arrow as well as a shade. All text is escaped.
"""

from __future__ import annotations

import math
from html import escape

from .comparison import Comparison, measure_text
from .measures import MEASURE_PREVALENCE, PERCENT_MEASURES

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
INK = "#212529"
# Patterns that tell the columns apart without colour: solid, stripes, dots, cross-hatch, ...
PATTERNS = ["solid", "stripes", "dots", "cross", "back", "grid"]


def _t(text: str) -> str:
    return escape(str(text), quote=True)


def _pattern_defs(prefix: str, colours: list[str], count: int) -> str:
    parts = ["<defs>"]
    for ci, colour in enumerate(colours):
        for k in range(count):
            kind = PATTERNS[k % len(PATTERNS)]
            pid = f"{prefix}-{ci}-{k}"
            parts.append(
                f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{_t(colour)}"/>'
            )
            if kind == "stripes":
                parts.append(f'<path d="M0,8 L8,0" stroke="{INK}" stroke-width="1.2"/>')
            elif kind == "dots":
                parts.append(f'<circle cx="4" cy="4" r="1.4" fill="{INK}"/>')
            elif kind == "cross":
                parts.append(f'<path d="M0,8 L8,0 M0,0 L8,8" stroke="{INK}" stroke-width="0.9"/>')
            elif kind == "back":
                parts.append(f'<path d="M0,0 L8,8" stroke="{INK}" stroke-width="1.2"/>')
            elif kind == "grid":
                parts.append(f'<path d="M4,0 L4,8 M0,4 L8,4" stroke="{INK}" stroke-width="0.9"/>')
            parts.append("</pattern>")
    parts.append("</defs>")
    return "".join(parts)


def _nice_max(x: float) -> float:
    if x <= 0 or math.isnan(x):
        return 1.0
    power = 10 ** math.floor(math.log10(x))
    for step in (1, 2, 2.5, 5, 10):
        if x <= step * power:
            return step * power
    return 10 * power


def bar_chart_svg(
    comparison: Comparison, *, title: str | None = None, description: str | None = None
) -> str:
    """Grouped bars: one group per value (in its colour), one patterned bar per column.

    `title` and `description` replace the comparison's own words (the findings pack says the
    same in plain language)."""
    measure = comparison.measure
    columns = comparison.columns
    rows = comparison.rows
    n_cols = max(len(columns), 1)
    bar, gap, left, top, plot_h = 22, 26, 64, 40, 260
    group_w = n_cols * bar + gap
    width = left + len(rows) * group_w + 20
    legend_h = 22 * len(columns) + 10
    height = top + plot_h + 70 + legend_h
    highs = [
        (c.ci_high if measure == MEASURE_PREVALENCE and c.ci_high is not None else c.number)
        for _, cells in rows
        for c in cells
        if c.number is not None
    ]
    top_value = _nice_max(max(highs, default=0.0))
    if measure in PERCENT_MEASURES:
        top_value = min(top_value, 1.0) if max(highs, default=0) <= 1 else top_value

    def y(v: float) -> float:
        return top + plot_h - plot_h * (v / top_value)

    title = title or f"{comparison.measure_label} of each value, by project"
    description = description or (
        f"{comparison.measure_help} Rule: {comparison.filters.rule_text} The same figures are "
        "in the table below the chart."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="bar-title bar-desc" {FONT}>',
        f'<title id="bar-title">{_t(title)}</title>',
        f'<desc id="bar-desc">{_t(description)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        _pattern_defs("bar", [v.colour for v, _ in rows], n_cols),
        f'<text x="{left}" y="22" font-size="15" font-weight="600" fill="{INK}">{_t(title)}</text>',
    ]
    for k in range(6):
        v = top_value * k / 5
        yy = y(v)
        out.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{left - 6}" y="{yy + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{INK}">{_t(measure_text(measure, v))}</text>'
        )
    for gi, (value, cells) in enumerate(rows):
        gx = left + gi * group_w + gap / 2
        for ci, cell in enumerate(cells):
            x = gx + ci * bar
            if not cell.applies:
                out.append(
                    f'<text x="{x + bar / 2:.1f}" y="{y(0) - 4:.1f}" font-size="9" '
                    f'text-anchor="middle" fill="#595959">n/a</text>'
                )
                continue
            if cell.number is None:
                out.append(
                    f'<text x="{x + bar / 2:.1f}" y="{y(0) - 4:.1f}" font-size="9" '
                    f'text-anchor="middle" fill="#595959">{_t(cell.text)}</text>'
                )
                continue
            yy = y(cell.number)
            out.append(
                f'<rect x="{x:.1f}" y="{yy:.1f}" width="{bar - 3}" height="{y(0) - yy:.1f}" '
                f'fill="url(#bar-{gi}-{ci})" stroke="{INK}" stroke-width="0.8">'
                f"<title>{_t(value.name)}, {_t(cell.column.label)}: {_t(cell.text)}"
                f"{_t(' (95% interval ' + cell.ci_text + ')') if cell.ci_text else ''}</title>"
                "</rect>"
            )
            if cell.ci_low is not None and cell.ci_high is not None:
                cx = x + (bar - 3) / 2
                y1, y2 = y(cell.ci_low), y(cell.ci_high)
                out.append(
                    f'<path d="M{cx:.1f},{y1:.1f} L{cx:.1f},{y2:.1f} M{cx - 4:.1f},{y1:.1f} '
                    f'L{cx + 4:.1f},{y1:.1f} M{cx - 4:.1f},{y2:.1f} L{cx + 4:.1f},{y2:.1f}" '
                    f'stroke="{INK}" stroke-width="1.2" fill="none"/>'
                )
        label_x = gx + (n_cols * bar) / 2
        out.append(
            f'<text x="{label_x:.1f}" y="{top + plot_h + 16}" font-size="11" '
            f'text-anchor="middle" fill="{INK}">{_wrap(value.name, label_x, top + plot_h + 16)}'
            "</text>"
        )
    out.append(
        f'<line x1="{left}" x2="{width - 10}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="{INK}"/>'
    )
    ly = top + plot_h + 58
    for ci, column in enumerate(columns):
        out.append(
            f'<rect x="{left}" y="{ly + ci * 22}" width="16" height="16" '
            f'fill="url(#bar-0-{ci})" stroke="{INK}"/>'
            f'<text x="{left + 22}" y="{ly + ci * 22 + 13}" font-size="12" fill="{INK}">'
            f"Bar {ci + 1} in each group: {_t(column.label)} "
            f"({_t(PATTERNS[ci % len(PATTERNS)])})</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _wrap(text: str, x: float, y: float, width: int = 14) -> str:
    """Break a label into lines of about `width` characters (SVG text does not wrap)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 13}">{_t(line)}</tspan>'
        for i, line in enumerate(lines)
    )


def heatmap_svg(comparison: Comparison) -> str:
    """Values by columns; each cell shaded in the value's colour by size, with its number."""
    columns = comparison.columns
    rows = comparison.rows
    cell_w, cell_h, left, top = 128, 40, 190, 84
    width = left + cell_w * len(columns) + 20
    height = top + cell_h * len(rows) + 50
    numbers = [c.number for _, cells in rows for c in cells if c.number is not None]
    biggest = max(numbers, default=0.0) or 1.0
    title = f"{comparison.measure_label}: values by project"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="heat-title heat-desc" '
        f"{FONT}>",
        f'<title id="heat-title">{_t(title)}</title>',
        f'<desc id="heat-desc">{_t(comparison.measure_help)} Darker means higher. An arrow up '
        "or down marks a cell higher or lower than across all the columns together, by more than "
        "chance would easily give (tested with the interview as the unit). The "
        "same figures are in the table beside the chart.</desc>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="22" font-size="15" font-weight="600" fill="{INK}">{_t(title)}</text>',
    ]
    for ci, column in enumerate(columns):
        cx = left + ci * cell_w + cell_w / 2
        out.append(
            f'<text x="{cx:.1f}" y="{top - 50}" font-size="12" font-weight="600" '
            f'text-anchor="middle" fill="{INK}">{_wrap(column.short, cx, top - 50, 18)}</text>'
        )
        if column.group_label:
            out.append(
                f'<text x="{cx:.1f}" y="{top - 8}" font-size="11" text-anchor="middle" '
                f'fill="{INK}">{_t(column.group_label)}</text>'
            )
    for ri, (value, cells) in enumerate(rows):
        ry = top + ri * cell_h
        name = value.name + ("" if value.framework else f" ({value.project_short} only)")
        out.append(
            f'<rect x="10" y="{ry + 12}" width="14" height="14" fill="{_t(value.colour)}" '
            f'stroke="{INK}"/><text x="30" y="{ry + cell_h / 2 + 4:.1f}" font-size="12" '
            f'fill="{INK}">{_t(name)}</text>'
        )
        for ci, cell in enumerate(cells):
            x = left + ci * cell_w
            opacity = 0.0
            if cell.number is not None:
                opacity = 0.12 + 0.88 * max(0.0, min(1.0, cell.number / biggest))
            fill = _t(value.colour) if cell.applies else "#f1f1f1"
            out.append(
                f'<rect x="{x}" y="{ry}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{fill}" fill-opacity="{opacity if cell.applies else 1:.2f}" '
                f'stroke="#bdbdbd"/>'
            )
            label = cell.text if cell.applies else "not in codebook"
            if cell.mark:
                label += " ▲" if cell.mark == "more" else " ▼"
            out.append(
                f'<text x="{x + cell_w / 2:.1f}" y="{ry + (15 if cell.ci_text else 24)}" '
                f'font-size="12" text-anchor="middle" fill="{INK}">{_t(label)}</text>'
            )
            if cell.ci_text:
                out.append(
                    f'<text x="{x + cell_w / 2:.1f}" y="{ry + 31}" font-size="10" '
                    f'text-anchor="middle" fill="{INK}">95%: {_t(cell.ci_text)}</text>'
                )
    out.append(
        f'<text x="10" y="{height - 16}" font-size="11" fill="{INK}">▲ higher, ▼ lower than '
        "across all the columns together, by more than chance would easily give.</text></svg>"
    )
    return "".join(out)


def matrix_svg(
    title: str, names: list[str], colours: list[str], matrix: list[list[float | None]]
) -> str:
    """A square matrix (value co-occurrence), shaded by size, each cell with its number."""
    n = len(names)
    cell, left, top = 46, 190, 150
    width = left + cell * n + 20
    height = top + cell * n + 20
    numbers = [x for row in matrix for i, x in enumerate(row) if x is not None]
    biggest = max(numbers, default=0.0) or 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" {FONT}><title>{_t(title)}</title>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="22" font-size="14" font-weight="600" fill="{INK}">{_t(title)}</text>',
    ]
    for i, name in enumerate(names):
        x = left + i * cell + cell / 2
        out.append(
            f'<text transform="translate({x:.1f},{top - 8}) rotate(-50)" font-size="11" '
            f'fill="{INK}">{_t(name)}</text>'
            f'<rect x="10" y="{top + i * cell + 16}" width="12" height="12" '
            f'fill="{_t(colours[i])}" stroke="{INK}"/>'
            f'<text x="28" y="{top + i * cell + 27}" font-size="11" fill="{INK}">{_t(name)}</text>'
        )
    for i, row in enumerate(matrix):
        for j, x in enumerate(row):
            if x is None:
                out.append(
                    f'<text x="{left + j * cell + cell / 2 - 1:.1f}" '
                    f'y="{top + i * cell + cell / 2 + 4:.1f}" font-size="9" '
                    f'text-anchor="middle" fill="#595959">hidden</text>'
                )
                continue
            opacity = 0.1 + 0.9 * (x / biggest) if i != j else 0.0
            out.append(
                f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="#5b4b8a" fill-opacity="{opacity:.2f}" '
                f'stroke="#bdbdbd"/><text x="{left + j * cell + cell / 2 - 1:.1f}" '
                f'y="{top + i * cell + cell / 2 + 4:.1f}" font-size="11" text-anchor="middle" '
                f'fill="{"#ffffff" if opacity > 0.6 else INK}">{round(x):,}</text>'
            )
    out.append("</svg>")
    return "".join(out)
