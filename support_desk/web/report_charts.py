"""What the report pages draw: the compliance chart (server-rendered SVG), the breach heatmap and the
coverage grid, as plain values for the templates. No queries and no clock reads.

The chart is plain SVG in the page: no script, no library, nothing fetched. Each bar carries its
numbers in a <title> (read by screen readers and shown on hover), and the page offers the same
numbers as a table.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from escalation.models import LedgerEntry
from escalation.reports.selectors.sla_report import Percentiles, ReportRow
from escalation.reports.selectors.trends import Heatmap, TrendPoint
from escalation.roster.coverage import CoverageWeek, HourCell
from tickets.models import Ticket

from .presenters import compact_duration

CHART_WIDTH = 1000
CHART_HEIGHT = 250
MARGIN_LEFT = 44
MARGIN_RIGHT = 8
MARGIN_TOP = 10
MARGIN_BOTTOM = 34
GOOD_COMPLIANCE = 95.0
FAIR_COMPLIANCE = 80.0
HEAT_LEVELS = 4
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def duration_text(span: timedelta | None) -> str:
    return "—" if span is None else compact_duration(span)


def percentiles_text(values: Percentiles) -> str:
    if values.p50 is None:
        return "—"
    return f"{duration_text(values.p50)} / {duration_text(values.p90)}"


def row_text(row: ReportRow) -> dict[str, str]:
    """A report row's durations in words: percentiles as `p50 / p90`."""
    return {
        "first_response": percentiles_text(row.first_response),
        "first_response_wall": percentiles_text(row.first_response_wall),
        "resolution": percentiles_text(row.resolution),
        "resolution_wall": percentiles_text(row.resolution_wall),
        "time_to_acknowledge": percentiles_text(row.time_to_acknowledge),
        "paused": compact_duration(row.paused),
        "compliance_level": compliance_level(row.compliance),
    }


@dataclass(frozen=True)
class BreachLine:
    row: LedgerEntry  # a `breach_list` row
    reference: str
    open: bool
    overshoot: str  # business time past the target; empty while open
    late_by: str  # wall-clock time past the promise (so far, while open)


def breach_lines(rows) -> list[BreachLine]:
    return [
        BreachLine(
            row=row,
            reference=Ticket(pk=row.ticket_id).reference,
            open=row.kind == LedgerEntry.Kind.BREACH,
            overshoot="" if row.kind == LedgerEntry.Kind.BREACH else compact_duration(row.overshoot),
            late_by=compact_duration(row.late_by),
        )
        for row in rows
    ]


def compliance_level(compliance: float | None) -> str:
    if compliance is None:
        return "none"
    if compliance >= GOOD_COMPLIANCE:
        return "good"
    return "fair" if compliance >= FAIR_COMPLIANCE else "poor"


# --- the compliance chart -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    level: str  # good | fair | poor | none
    title: str
    label: str  # under the axis, for some bars only
    label_x: float


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    bars: list[Bar]
    grid: list[tuple[float, str]]  # (y, "100 %")
    plot_left: int
    plot_right: int
    plot_bottom: int
    summary: str  # the chart in one sentence, for its accessible description


def _point_words(point: TrendPoint, interval: str) -> str:
    when = f"week of {point.start:%a %d %b %Y}" if interval == "week" else f"{point.start:%a %d %b %Y}"
    if not point.decided:
        return f"{when}: no promise fell due"
    return (
        f"{when}: {point.compliance:.1f} % met ({point.met} met, {point.breached} breached)"
        if point.compliance is not None
        else when
    )


def trend_chart(points: list[TrendPoint], interval: str) -> TrendChart:
    """Compliance per bucket as bars from 0 to 100 %; a bucket with nothing due is a thin grey mark."""
    plot_w = CHART_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    bottom = MARGIN_TOP + plot_h
    slot = plot_w / max(len(points), 1)
    gap = min(2.0, slot * 0.2)
    label_every = max(1, round(len(points) / 8))
    bars = []
    for index, point in enumerate(points):
        x = MARGIN_LEFT + index * slot + gap / 2
        height = plot_h * (point.compliance or 0) / 100 if point.decided else 2.0
        label = ""
        if index % label_every == 0:
            label = f"{point.start:%d %b}"
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(bottom - height, 2),
                width=round(max(slot - gap, 1.0), 2),
                height=round(height, 2),
                level=compliance_level(point.compliance),
                title=_point_words(point, interval),
                label=label,
                label_x=round(x + (slot - gap) / 2, 2),
            )
        )
    grid = [(round(bottom - plot_h * value / 100, 2), f"{value} %") for value in (0, 25, 50, 75, 100)]
    decided = [p for p in points if p.decided]
    if decided:
        worst = min(decided, key=lambda p: (p.compliance, p.start))
        summary = (
            f"Compliance per {interval} from {points[0].start:%d %b %Y} to {points[-1].start:%d %b %Y}; "
            f"promises fell due in {len(decided)} of {len(points)} {interval}s; "
            f"the lowest was {worst.compliance:.1f} % ({_point_words(worst, interval)})."
        )
    else:
        summary = f"No promise fell due in any {interval} of the period."
    return TrendChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        bars=bars,
        grid=grid,
        plot_left=MARGIN_LEFT,
        plot_right=CHART_WIDTH - MARGIN_RIGHT,
        plot_bottom=bottom,
        summary=summary,
    )


# --- the breach heatmap ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    hour: int
    count: int
    level: int  # 0 (none) .. HEAT_LEVELS
    label: str


def heat_level(count: int, most: int) -> int:
    if count <= 0 or most <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, -(-count * HEAT_LEVELS // most)))  # ceiling, so any breach shows


def heatmap_rows(heatmap: Heatmap) -> list[tuple[str, list[HeatCell]]]:
    most = heatmap.most
    rows = []
    for weekday, counts in enumerate(heatmap.counts):
        cells = [
            HeatCell(
                hour=hour,
                count=count,
                level=heat_level(count, most),
                label=f"{DAY_NAMES[weekday]} {hour:02d}:00-{hour + 1:02d}:00: "
                f"{count} breach{'es' if count != 1 else ''}",
            )
            for hour, count in enumerate(counts)
        ]
        rows.append((DAY_NAMES[weekday], cells))
    return rows


# --- the coverage grid ----------------------------------------------------------------------------

STATE_WORDS = {
    "covered": "covered",
    "on_call": "nobody on shift: the on-call engineer would be paged",
    "gap": "GAP: nobody on shift and nobody on call",
    "skipped": "does not exist (clocks moved forward)",
}


@dataclass(frozen=True)
class CoverageCell:
    hour: int
    state: str
    text: str  # what the cell shows
    label: str  # what it means, in words


def _coverage_cell(day: date, cell: HourCell) -> CoverageCell:
    when = f"{day:%A} {cell.hour:02d}:00-{(cell.hour + 1) % 24:02d}:00"
    if not cell.exists:
        return CoverageCell(cell.hour, "skipped", "—", f"{when}: {STATE_WORDS['skipped']}")
    if cell.fewest == cell.most:
        text = str(cell.fewest)
        count = f"{cell.fewest} on shift"
    else:
        text = f"{cell.fewest}-{cell.most}"
        count = f"{cell.fewest} to {cell.most} on shift"
    names = f" ({', '.join(cell.on_shift)})" if cell.on_shift else ""
    state = cell.state
    detail = "" if state == "covered" else f"; {STATE_WORDS[state]} for {compact_duration(cell.uncovered)}"
    return CoverageCell(cell.hour, state, text, f"{when}: {count}{names}{detail}")


def coverage_rows(week: CoverageWeek) -> list[tuple[date, list[CoverageCell]]]:
    return [(day, [_coverage_cell(day, cell) for cell in cells]) for day, cells in week.days]
