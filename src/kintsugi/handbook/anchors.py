"""The handbook sections other parts of Kintsugi link to, and the links themselves.

These anchors are a contract: the default pages define every one of them, and saving a page
that drops one is refused (the meetings, RCA and linter links would break).
"""

from __future__ import annotations

from kintsugi.meetings.agenda import part_keys
from kintsugi.rca.model import TECHNIQUES

PAGES: tuple[str, ...] = ("policy", "rca", "facilitation", "learning")

# the post-mortem meeting's agenda parts, then the pre-mortem's (kintsugi.meetings.agenda)
MEETING_PARTS: tuple[str, ...] = tuple(part_keys("postmortem"))
PREMORTEM_PARTS: tuple[str, ...] = tuple(part_keys("premortem"))
# the seven techniques, by the field names of kintsugi.rca.model.Analysis
RCA_TECHNIQUES: tuple[str, ...] = TECHNIQUES

REQUIRED: dict[str, tuple[str, ...]] = {
    "policy": (
        "principles",
        "language-guidelines",
        "describe-systems-not-people",
        "no-fault-labels",
        "no-counterfactuals",
        "avoid-hindsight",
        "ask-how-not-who",
        "fix-the-system-not-the-effort",
        "when-blameless-does-not-apply",
    ),
    "rca": RCA_TECHNIQUES,
    "facilitation": MEETING_PARTS + PREMORTEM_PARTS,
    "learning": ("deadlines", "knowledge-sharing", "metrics", "recognition"),
}


def guide_path(page: str, anchor: str = "") -> str:
    """The site-relative link to a handbook page (and section): ``/handbook/rca#fishbone``."""
    return f"/handbook/{page}" + (f"#{anchor}" if anchor else "")


def absolute(path: str, base_url: str | None) -> str:
    """``path`` on ``base_url`` (unchanged when there is no base URL)."""
    if not base_url:
        return path
    return base_url.rstrip("/") + path
