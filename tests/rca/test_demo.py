"""The demo's analyses: complete in every technique, evidence and links resolved."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from kintsugi.demo.analyses import CERTIFICATE, CHECKOUT, COREDNS, load_demo_analyses
from kintsugi.demo.loader import load_demo
from kintsugi.people.principal import SYSTEM
from kintsugi.rca import service


def test_demo_analyses_are_complete_and_load_once(sessions: sessionmaker[Session]) -> None:
    load_demo(sessions)  # the demo loads the analyses with the post-mortems
    with sessions.begin() as session:
        loaded = [
            p
            for p in (CHECKOUT, COREDNS, CERTIFICATE)
            if service.stored_analysis(session, p, SYSTEM)
        ]
    assert loaded == [CHECKOUT, COREDNS, CERTIFICATE]
    assert load_demo_analyses(sessions) == []  # a second run keeps what is there
    with sessions.begin() as session:
        for postmortem in (CHECKOUT, COREDNS):
            view = service.get_analysis(session, postmortem, SYSTEM)
            a = view.analysis
            assert view.version == 1
            assert a.problem and a.five_whys and a.fishbone and a.changes and a.factors
            assert a.causal_tree and a.barriers and a.links
            assert a.timeline.response is not None
            assert {c.bone for c in a.fishbone} == {
                "people", "process", "technology", "environment", "measurement", "materials",
            }  # fmt: skip
            assert {f.classification for f in a.factors} == {
                "primary", "secondary", "mitigating", "aggravating",
            }  # fmt: skip
            assert {b.state for b in a.barriers} == {"held", "failed", "missing"}
            cited = [e for _, item in a.items() for e in item.evidence]
            assert cited and all(view.event(e.event_id) is not None for e in cited)
            assert all(w.rule != "ends-at-person" for w in view.warnings)
            assert all(w.rule != "blameful-language" for w in view.warnings), view.warnings
        recurring = {r.category for r in service.recurring_causes(session, SYSTEM)}
    assert {"testing-gap", "config-change"} <= recurring
    # the demo's monitoring gaps are mitigating factors (alerts that paged quickly): no cause
    assert "monitoring-gap" not in recurring


def test_demo_analyses_skip_missing_postmortems(sessions: sessionmaker[Session]) -> None:
    assert load_demo_analyses(sessions) == []
