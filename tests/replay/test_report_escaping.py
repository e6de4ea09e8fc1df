"""Text from the log reaches the report as text: escaped in the HTML page and in the SVG charts."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from tests.replay.test_cli_log import run

NASTY = [r"$\frac{$", "$x^{2}$", "<script>alert(1)</script>", "_hidden", "a$b", 'R&D "q"']


def test_asset_names_with_math_and_markup_make_a_report(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    assert run("init", str(ledger))[0] == 0
    lines = []
    for index, name in enumerate(NASTY):
        lines.append({"block": 1 + index, "event": {"type": "AssetRegistered", "asset": name,
                                            "symbol": name, "decimals": 6}})  # fmt: skip
        lines.append({"block": 1 + index, "event": {"type": "Minted", "asset": name,
                                                    "to_account": "<b>x</b>", "amount": 5}})  # fmt: skip
    for block in (10, 20):  # a price per asset, so the price chart names every asset
        for index, name in enumerate(NASTY):
            lines.append({"block": block, "ts_ms": 1_700_000_000_000 + block * 60_000,
                          "event": {"type": "PriceUpdated", "asset": name, "quote": "USD",
                                    "price": block * (index + 1), "scale": 100}})  # fmt: skip
    code, output = run("append", str(ledger), "-", stdin="\n".join(map(json.dumps, lines)))
    assert code == 0, output
    out = tmp_path / "report"
    code, output = run("report", str(ledger), "--out", str(out))
    assert code == 0, output
    page = (out / "index.html").read_text()
    assert "<script>alert" not in page and "<b>x</b>" not in page
    chart = out / "prices.svg"  # every asset has a price: one legend entry per asset
    assert "<script>" not in chart.read_text()
    legend = [
        text.text
        for text in ElementTree.parse(chart).getroot().iter("{http://www.w3.org/2000/svg}text")
        if text.get("class") == "legend"
    ]
    assert sorted(legend) == sorted(NASTY)
