"""docs/BACKTESTS.md must be exactly what `visalever backtest` generates from the committed snapshot.

If the method, the acts or the snapshot change, the documented backtest is stale until the command is
run again; this test says which jurisdiction's section differs.
"""

from __future__ import annotations

import re

import pytest

from visalever.assess.backtest import backtest, default_backtests_path, render_markdown


@pytest.mark.parametrize("jurisdiction", ["uk", "eu", "us"])
def test_backtests_doc_is_generated_by_the_command(jurisdiction: str) -> None:
    text = default_backtests_path().read_text(encoding="utf-8")
    begin, end = f"<!-- backtest:{jurisdiction}:begin -->", f"<!-- backtest:{jurisdiction}:end -->"
    m = re.search(re.escape(begin) + r"\n(.*?)\n" + re.escape(end), text, re.DOTALL)
    assert m, f"docs/BACKTESTS.md has no {jurisdiction} section"
    expected = render_markdown(backtest(jurisdiction)).rstrip()
    assert m.group(1) == expected, (
        f"the {jurisdiction} section of docs/BACKTESTS.md is stale: run `visalever backtest --jurisdiction "
        f"{jurisdiction}`"
    )
