"""`defi-ledger report`: one HTML page that says what happened in a log, with its charts.

From the top: a headline (period, price moves, positions rebalanced / liquidated / dead, bad
debt, the reserve's low point), the timeline of protocol moments in time and blocks, the path
of every position, the charts on one time axis, ALEX panels for ALEX logs, and the summary.
A chart with nothing to plot is replaced by a sentence saying so; `charts.json` lists every
chart with its point count (what the tests and the page's own check read).
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.sqlite_store import SqliteStore
from replay.moments import SEVERE
from replay.outputs import rewriting_folder
from replay.report_alex import governance_chart, is_alex_log, reserve_flows, staking_chart
from replay.report_charts import Chart, draw, time_charts
from replay.report_story import headline, path_text
from replay.summary import render_summary, summarise
from replay.timeline import Moment, Story, tell
from replay.units import percent_text

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore

TIMELINE_MAX = 120


def when(block: int, ts_ms: int) -> str:
    """A moment as a person reads it: date and time (UTC), and the block."""
    if ts_ms <= 0:
        return f"block {block:,}"
    stamp = datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
    return f"{stamp} UTC · block {block:,}"


def shown_moments(story: Story) -> tuple[list[Moment], int]:
    """Every severe moment, then the others in order up to `TIMELINE_MAX`; and how many left."""
    severe = [m for m in story.moments if m.type in SEVERE]
    room = max(0, TIMELINE_MAX - len(severe))
    others = [m for m in story.moments if m.type not in SEVERE]
    kept = sorted(severe + others[:room], key=lambda m: (m.block, story.moments.index(m)))
    return kept, len(others) - min(room, len(others))


def _esc(text: object) -> str:
    return html.escape(str(text))


def timeline_html(story: Story) -> str:
    kept, left = shown_moments(story)
    rows = "\n".join(
        f"<tr><td>{_esc(when(m.block, m.ts_ms))}</td><td>{_esc(m.text)}</td></tr>" for m in kept
    )
    more = f"<p>…and {left} routine moments left out.</p>" if left else ""
    if not kept:
        return "<p>No protocol moment in this log (no rebalance, vote, payout or launch).</p>"
    return f"<table><tr><th>when</th><th>what</th></tr>\n{rows}</table>{more}"


def positions_html(story: Story) -> str:
    if not story.paths:
        return "<p>No position (f(x), AlphaX strike or CRP loan) in this log.</p>"
    rows = []
    for path in story.paths.values():
        low, high = path.ltv_min_1e18, path.ltv_max_1e18
        ltv = (
            "—"
            if low is None or high is None
            else f"{percent_text(low, 10**18)} – {percent_text(high, 10**18)}"
        )
        rows.append(
            f"<tr><td>{_esc(path.kind)}</td><td>{_esc(path.id)}</td><td>{_esc(path.owner)}</td>"
            f"<td>{_esc(path_text(path.statuses))}</td><td>{_esc(ltv)}</td>"
            f"<td>{path.first_block:,} – {path.last_block:,}</td>"
            f"<td>{_esc(path.statuses[-1])}</td></tr>"
        )
    head = (
        "<tr><th>kind</th><th>position</th><th>owner</th><th>path</th><th>LTV low – high</th>"
        "<th>blocks</th><th>last status</th></tr>"
    )
    return f"<table>{head}\n" + "\n".join(rows) + "</table>"


def charts_html(charts: list[Chart]) -> str:
    parts = []
    for chart in charts:
        if chart.is_empty():
            parts.append(
                f'<figure class="nochart"><figcaption>{_esc(chart.caption)}</figcaption>'
                f"<p>Nothing to plot: {_esc(chart.empty_reason)}</p></figure>"
            )
        else:
            parts.append(
                f'<figure><img src="{_esc(chart.name)}" alt="{_esc(chart.caption)}">'
                f"<figcaption>{_esc(chart.caption)}</figcaption></figure>"
            )
    return "\n".join(parts)


def alex_html(story: Story, charts: list[Chart]) -> str:
    flows = reserve_flows(story)
    table = (
        "<table><tr><th>direction</th><th>source or reason</th><th>amount</th></tr>"
        + "".join(f"<tr><td>{a}</td><td>{_esc(b)}</td><td>{_esc(c)}</td></tr>" for a, b, c in flows)
        + "</table>"
        if flows
        else "<p>The reserve had no inflow or outflow.</p>"
    )
    return f"<h2>ALEX</h2>\n{charts_html(charts)}\n<h3>Reserve pool flows</h3>\n{table}"


STYLE = """body{font-family:sans-serif;margin:2em;max-width:1100px}
img{max-width:100%} figure{margin:1em 0} .nochart p{color:#555;font-style:italic}
table{border-collapse:collapse;font-size:0.9em} td,th{border:1px solid #ccc;padding:2px 6px;
text-align:left;vertical-align:top} pre{background:#f4f4f4;padding:1em;overflow:auto}
.headline li{margin:0.2em 0}"""


def write_html(
    story: Story, summary: dict[str, Any], charts: list[Chart], alex: list[Chart], out: Path
) -> Path:
    items = "".join(f"<li>{_esc(line)}</li>" for line in headline(story))
    text = _esc("\n".join(render_summary(summary)))
    alex_part = alex_html(story, alex) if alex else ""
    drawn = sum(1 for chart in charts + alex if not chart.is_empty())
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>defi-ledger report</title>
<style>{STYLE}</style></head>
<body data-charts-expected="{drawn}"><h1>What happened</h1>
<ul class="headline">{items}</ul>
<h2>Timeline</h2>
{timeline_html(story)}
<h2>Positions</h2>
{positions_html(story)}
<h2>Charts</h2>
<p>Every time chart spans the whole log: blocks below, dates (UTC) above.</p>
{charts_html(charts)}
{alex_part}
<h2>Summary</h2><pre>{text}</pre>
<p>Log head: seq {summary["head"]["seq"]}, block {summary["head"]["block"]},
hash <code>{summary["head"]["hash"]}</code></p>
<script>
window.addEventListener("load", function () {{
  var images = Array.prototype.slice.call(document.images);
  document.body.setAttribute("data-charts-rendered",
    String(images.filter(function (image) {{ return image.naturalWidth > 0; }}).length));
}});
</script>
</body></html>
"""
    index = out / "index.html"
    index.write_text(page)
    return index


def is_report_file(name: str) -> bool:
    """Whether a report writes a file of this name: its page, `charts.json`, its charts."""
    return name in ("index.html", "charts.json") or name.endswith(".svg")


def write_report(store: SqliteStore | PostgresStore, out: Path, *, force: bool = False) -> Path:
    """The page, its SVG charts and `charts.json` for the log, in `out`; returns the page's path.

    The report is built beside `out` and moved into place whole (`replay.outputs`): `out` may
    be missing, empty or an earlier report; a folder holding other files only with `force`.
    """
    advice = "pass --force to replace the folder, or pick a new or empty one"
    with rewriting_folder(out, is_report_file, "a report", force=force, advice=advice) as folder:
        _write_report(store, folder)
    return out / "index.html"


def _write_report(store: SqliteStore | PostgresStore, out: Path) -> None:
    story = tell(store)
    charts = time_charts(story)
    alex = [staking_chart(story), governance_chart(story)] if is_alex_log(story) else []
    for chart in charts:
        if not chart.is_empty():
            draw(chart, story, out)
    for chart in alex:
        if not chart.is_empty():
            draw(chart, story, out, time_axis=False)
    listing = [
        {
            "name": c.name,
            "caption": c.caption,
            "points": c.points(),
            "empty": c.is_empty(),
            "empty_reason": c.empty_reason if c.is_empty() else "",
            "series": sorted(c.series),
        }
        for c in charts + alex
    ]
    (out / "charts.json").write_text(json.dumps(listing, indent=2) + "\n")
    write_html(story, summarise(store), charts, alex, out)
