"""The diagrams as Chromium draws them: with real fonts, no text overlaps other text or leaves
its box, for a realistic and a large analysis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from kintsugi.rca.diagrams.fishbone import Cause, layout_fishbone
from kintsugi.rca.diagrams.tree import Node, layout_tree
from tests.rca.test_diagrams import LONG, large_causes, large_tree

# for each <text>: its rendered box, and whether it lies inside one of the drawn rects
MEASURE = """() => {
  const svg = document.querySelector('svg');
  const rects = [...svg.querySelectorAll('rect')].slice(1).map(r => r.getBBox());
  const texts = [...svg.querySelectorAll('text')].map(t => t.getBBox());
  const inside = (b, r) => b.x >= r.x - 0.5 && b.y >= r.y - 0.5 &&
    b.x + b.width <= r.x + r.width + 0.5 && b.y + b.height <= r.y + r.height + 0.5;
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        overlaps.push([i, j]);
    }
  }
  return {count: texts.length, overlaps,
          outside: texts.map((b, i) => rects.some(r => inside(b, r)) ? -1 : i).filter(i => i >= 0)};
}"""

REALISTIC_CAUSES = [
    Cause("technology", "Connection pool lowered from 40 to 10 per pod", False),
    Cause("technology", "Liveness probe queries the database, so slow queries restart pods", True),
    Cause("process", "Capacity settings reviewed like routine tuning changes", True),
    Cause("process", "Rollback path waits for a 17-minute schema check"),
    Cause("environment", "Sale campaign started at peak, not on the engineering calendar"),
    Cause("measurement", "No load test for pool or timeout changes", True),
    Cause("people", "No runbook step for restoring a pool size without a full rollback"),
    Cause("materials", "Shared configuration gives no expected peak traffic"),
]
REALISTIC_TREE = [
    Node("a", None, "direct_cause", "Checkout pods ran out of database connections"),
    Node("b", "a", "indirect_cause", "Pool lowered from 40 to 10 per pod by a config change"),
    Node("c", "b", "root_cause", "No load test gate for pool and timeout changes", "Testing gap"),
    Node("d", "a", "contributing_factor", "Traffic tripled when the sale campaign started"),
    Node("e", None, "direct_cause", "Healthy pods restarted in a loop"),
    Node("f", "e", "root_cause", "Liveness probe depends on the database", "Design limitation"),
]


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    "svg",
    [
        pytest.param(lambda: layout_fishbone("Checkout outage", REALISTIC_CAUSES), id="fishbone"),
        pytest.param(lambda: layout_tree("Checkout outage", REALISTIC_TREE), id="tree"),
        pytest.param(lambda: layout_fishbone(LONG, large_causes()), id="large-fishbone"),
        pytest.param(lambda: layout_tree(LONG, large_tree()), id="large-tree"),
    ],
)
def test_rendered_text_never_overlaps(tab: Page, svg: object) -> None:
    assert callable(svg)
    canvas = svg()
    tab.set_content(f"<!doctype html><html><body>{canvas.to_svg()}</body></html>")
    result = tab.evaluate(MEASURE)
    assert result["count"] == len(canvas.texts())
    assert result["overlaps"] == []
    assert result["outside"] == []
