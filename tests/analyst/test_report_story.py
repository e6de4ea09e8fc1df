"""The report says what happened: headline, timeline, positions, and no empty chart.

Each scenario's page is opened in headless Chromium and screenshotted; the screenshots are
kept under pytest's tmp dir and copied to $REPORT_SCREENSHOTS_DIR when it is set (CI keeps
that folder as a test artefact).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.report_charts import Chart
from replay.report_story import path_text
from tests.analyst.conftest import ROOT, SCENARIOS, replay_scenario

SHARED_PRICES = ROOT.parent / "shared" / "data" / "prices"
CASES = {
    "flash-crash": SCENARIOS / "flash-crash.toml",
    "alex-cycles": SCENARIOS / "alex-cycles.toml",
    "eth-march-2020": SCENARIOS / "real" / "eth-march-2020.toml",
}


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module", params=sorted(CASES))
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = request.param
    if name == "eth-march-2020" and not (SHARED_PRICES / "eth-usdt-1h.csv").exists():
        pytest.skip(f"the real price series are not here ({SHARED_PRICES} is absent)")
    base = tmp_path_factory.mktemp(name)
    replay_scenario(str(CASES[name].relative_to(SCENARIOS)), base / "ledger.db")
    result = CliRunner().invoke(cli, ["report", str(base / "ledger.db"), "--out", str(base / name)])
    assert result.exit_code == 0, result.output
    return base / name


def charts(report: Path) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = json.loads((report / "charts.json").read_text())
    return listed


def test_the_page_has_a_headline_a_timeline_and_every_position(report: Path) -> None:
    page = (report / "index.html").read_text()
    headline = page.split('<ul class="headline">')[1].split("</ul>")[0]
    for expected in ("period:", "positions:", "bad debt:", "reserve"):
        assert expected in headline, expected
    assert re.search(r"low .* at \d{4}-\d\d-\d\d", headline)  # a price move, dated
    timeline = page.split("<h2>Timeline</h2>")[1].split("<h2>")[0]
    assert timeline.count("<tr>") > 5 and "UTC · block" in timeline
    positions = page.split("<h2>Positions</h2>")[1].split("<h2>")[0]
    assert ("<table>" in positions and "→" in positions) or "open" in positions


def test_no_chart_on_the_page_is_empty(report: Path) -> None:
    """Fails on an empty chart: every image drawn has points; every empty one is words."""
    page = (report / "index.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    listed = {str(chart["name"]): chart for chart in charts(report)}
    assert images, "the report shows no chart at all"
    for name in images:
        assert int(str(listed[name]["points"])) > 0, f"{name} is drawn with nothing in it"
        assert ElementTree.parse(report / name).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    for name, chart in listed.items():
        if chart["empty"]:
            reason = html.escape(f"Nothing to plot: {chart['empty_reason']}")
            assert name not in images and reason in page


def test_march_2020_says_the_reserve_was_drained_and_positions_were_liquidated(
    report: Path,
) -> None:
    if report.name != "eth-march-2020":
        pytest.skip("a March 2020 fact")
    page = (report / "index.html").read_text()
    assert "reserve fx:ETH low point: 0 ETH (0% of its peak 1 ETH)" in page
    assert "liquidated" in page and "bad debt: 47.3414 fxUSD" in page
    assert not any(chart["empty"] for chart in charts(report) if chart["name"] == "reserve.svg")


def test_alex_logs_get_staking_governance_and_reserve_panels(report: Path) -> None:
    page = (report / "index.html").read_text()
    has_panels = "<h2>ALEX</h2>" in page
    assert has_panels == (report.name == "alex-cycles")
    if has_panels:
        drawn = [c["name"] for c in charts(report) if not c["empty"]]
        assert {"alex_staking.svg", "alex_governance.svg"} <= set(drawn)
        assert "Reserve pool flows" in page and "staking-principal" in page


def test_a_chart_with_no_points_counts_as_empty() -> None:
    chart = Chart("x.svg", "x", "y", series={"a": [], "b": [(1.0, float("nan"))]})
    assert chart.is_empty() and Chart("y.svg", "y", "", {"a": [(1.0, 2.0)]}).points() == 1


def test_a_path_says_how_often_and_where_it_ended() -> None:
    statuses = ["healthy", "rebalanceable", "rebalanced", "healthy", "rebalanced", "healthy"]
    assert path_text(statuses) == "healthy → rebalanceable → rebalanced ×2 (ends healthy)"


def test_a_real_browser_renders_the_page_and_a_screenshot_is_kept(
    report: Path, tmp_path: Path
) -> None:
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs Debian's chromium)")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--allow-file-access-from-files",
        "--hide-scrollbars",
    ]
    page = (report / "index.html").as_uri()
    dom = subprocess.run(
        [*common, "--virtual-time-budget=5000", "--dump-dom", page],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    expected = re.search(r'data-charts-expected="(\d+)"', dom)
    rendered = re.search(r'data-charts-rendered="(\d+)"', dom)
    assert expected is not None and rendered is not None, dom[:500]
    assert int(rendered.group(1)) == int(expected.group(1)) > 0
    shot = report / f"{report.name}.png"
    subprocess.run(
        [*common, "--window-size=1200,4800", f"--screenshot={shot}", page],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("REPORT_SCREENSHOTS_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
