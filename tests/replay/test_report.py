"""The report renders: SVG charts on an HTML page, opened in a real headless browser."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import cast
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.cli.replay import report  # noqa: F401  (registers the commands)
from replay.report_alex import _display
from replay.report_charts import _ratio
from replay.timeline import Story

SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "calm-payments.toml"
SVG = "{http://www.w3.org/2000/svg}"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("report")
    runner = CliRunner()
    result = runner.invoke(cli, ["replay", str(SCENARIO), "--db", str(base / "ledger.db")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["report", str(base / "ledger.db"), "--out", str(base / "out")])
    assert result.exit_code == 0, result.output
    return base / "out"


def test_the_report_writes_svg_charts_and_a_page_that_links_them(report_dir: Path) -> None:
    page = (report_dir / "index.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    listed = json.loads((report_dir / "charts.json").read_text())
    assert images == [chart["name"] for chart in listed if not chart["empty"]]
    assert images and len(listed) >= 6
    for name in images:
        assert name.endswith(".svg")
        assert ElementTree.parse(report_dir / name).getroot().tag == f"{SVG}svg"
    assert "events by type" in page and "Transferred" in page


def test_a_real_browser_renders_every_chart(report_dir: Path, tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs Debian's chromium)")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--allow-file-access-from-files",
        "--virtual-time-budget=5000",
        "--dump-dom",
        (report_dir / "index.html").as_uri(),
    ]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    rendered = re.search(r'data-charts-rendered="(\d+)"', dom)
    expected = re.search(r'data-charts-expected="(\d+)"', dom)
    assert rendered is not None and expected is not None, dom[:500]
    assert int(rendered.group(1)) == int(expected.group(1)) > 0


def test_a_supply_beyond_float_range_is_charted_not_a_crash(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "ledger.db"
    result = runner.invoke(cli, ["replay", str(SCENARIO), "--db", str(db)])
    assert result.exit_code == 0, result.output
    event = {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": 10**400}
    lines = tmp_path / "huge.jsonl"
    lines.write_text(json.dumps({"block": 10**6, "event": event}) + "\n")
    result = runner.invoke(cli, ["append", str(db), str(lines)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["report", str(db), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    listed = {
        chart["name"]: chart for chart in json.loads((tmp_path / "out" / "charts.json").read_text())
    }
    assert not listed["supply.svg"]["empty"]


def test_chart_ratios_are_exact_quotients_and_infinite_past_float_range() -> None:
    assert _ratio(1, 3) == 100 / 3
    assert _ratio(10**400, 10**398) == 10_000.0
    assert _ratio(10**400, 1) == math.inf and _ratio(-(10**400), 1) == -math.inf
    assert math.isnan(_ratio(5, 0))


def test_alex_bar_heights_are_infinite_past_float_range() -> None:
    story = cast(Story, SimpleNamespace(decimals={"ALEX": 8}))
    assert _display(150_000_000, "ALEX", story) == 1.5
    assert _display(10**400, "ALEX", story) == math.inf
