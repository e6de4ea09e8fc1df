"""Text from the log reaches the report as text: escaped for HTML and for matplotlib."""

from __future__ import annotations

import json
from pathlib import Path

from replay.report_charts import mathtext_literal
from tests.replay.test_cli_log import run

NASTY = [r"$\frac{$", "$x^{2}$", "<script>alert(1)</script>", "_hidden", "a$b"]


def test_asset_names_with_math_and_markup_make_a_report(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    assert run("init", str(ledger))[0] == 0
    lines = []
    for index, name in enumerate(NASTY):
        lines.append({"block": 1 + index, "event": {"type": "AssetRegistered", "asset": name,
                                            "symbol": name, "decimals": 6}})  # fmt: skip
        lines.append({"block": 1 + index, "event": {"type": "Minted", "asset": name,
                                                    "to_account": "<b>x</b>", "amount": 5}})  # fmt: skip
    code, output = run("append", str(ledger), "-", stdin="\n".join(map(json.dumps, lines)))
    assert code == 0, output
    out = tmp_path / "report"
    code, output = run("report", str(ledger), "--out", str(out))
    assert code == 0, output
    page = (out / "index.html").read_text()
    assert "<script>alert" not in page and "<b>x</b>" not in page


def test_mathtext_literal_keeps_the_text() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axis = plt.subplots()
    for name in NASTY:
        axis.plot([0, 1], [0, 1], label=mathtext_literal(name))
    legend = axis.legend()
    figure.canvas.draw()
    shown = [text.get_text() for text in legend.get_texts()]
    plt.close(figure)
    assert len(shown) == len(NASTY)
