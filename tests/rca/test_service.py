"""The RCA service against SQLite and PostgreSQL: save, versions, evidence, links, visibility."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kintsugi.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Principal, Role
from kintsugi.postmortems import service as postmortems
from kintsugi.postmortems.document import Document, TimelineEvent, Visibility
from kintsugi.rca import service, taxonomy
from kintsugi.rca.evidence import find_event
from kintsugi.rca.model import Analysis, BarrierState, TargetKind
from kintsugi.rca.models import LinkRow
from tests.rca.conftest import PM_ID, full_analysis, make_document


def _import(sessions: sessionmaker[Session], data: dict[str, object] | None = None) -> int:
    with sessions.begin() as session:
        return service.import_analysis(session, PM_ID, data or full_analysis(), SYSTEM).version


def test_a_new_analysis_is_prefilled_with_changes_before_detection(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    with sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
    assert view.version == 0
    texts = [c.text for c in view.analysis.changes]
    assert texts == ["Queue consumer config change deployed (prefetch 50 -> 1)"]
    change = view.analysis.changes[0]
    assert change.related.value == "unknown" and change.kind.value == "configuration"
    assert view.event(change.evidence[0].event_id) is not None
    milestones = view.timeline.milestones
    assert milestones["detection"].origin == "document"
    assert milestones["response"].event is not None
    assert "incident command" in milestones["response"].event.text
    assert view.timeline.durations.time_to_detect is not None
    assert view.timeline.durations.time_to_detect.total_seconds() == 7 * 60


def test_import_stores_every_technique_and_resolves_evidence_and_links(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    assert _import(sessions) == 1
    with sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
    analysis = view.analysis
    assert view.version == 1 and view.updated_by == "system"
    assert [s.id for s in analysis.five_whys[0].steps] == ["why-1", "why-2", "why-3"]
    cited = analysis.five_whys[0].steps[1].evidence[0]
    event = view.event(cited.event_id)
    assert event is not None and event.text.startswith("Queue consumer config change")
    assert cited.text == event.text
    assert len(analysis.fishbone) == 2 and len(analysis.barriers) == 2
    item = next(a for a in view.action_items if a.title == "Load test consumer settings in CI")
    assert sorted(link.target for link in analysis.links) == ["barrier-1", "why-3"]
    assert {link.action_item for link in analysis.links} == {item.id}
    assert [i.title for i in view.items_for("why-3")] == ["Load test consumer settings in CI"]
    unaddressed = {item.id for _, item in view.unaddressed()}
    assert unaddressed == {"fish-1", "node-2"}  # why-3 and barrier-1 are addressed
    # the stored JSON does not carry the links: the links table does
    with sessions.begin() as session:
        kinds = dict(session.execute(select(LinkRow.target_id, LinkRow.target_kind)).all())
    assert kinds == {"why-3": TargetKind.WHY_STEP.value, "barrier-1": TargetKind.BARRIER.value}


def test_stale_base_version_is_refused_with_the_current_analysis(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    _import(sessions)
    with sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
        edited = view.analysis.model_copy(update={"problem": "Edited"})
        saved = service.save_analysis(session, PM_ID, edited, SYSTEM, base_version=1)
        assert saved.version == 2
    with sessions.begin() as session, pytest.raises(ConflictError) as caught:
        service.save_analysis(session, PM_ID, Analysis(problem="Late"), SYSTEM, base_version=1)
    current = caught.value.current
    assert isinstance(current, service.AnalysisView) and current.analysis.problem == "Edited"
    with sessions.begin() as session:
        assert service.get_analysis(session, PM_ID, SYSTEM).analysis.problem == "Edited"
        history = service.versions(session, PM_ID, SYSTEM)
        assert [(v.version, v.change) for v in history] == [(2, "edited"), (1, "imported")]
        assert service.snapshot(session, PM_ID, 1, SYSTEM).problem.startswith("Orders were")
        assert service.snapshot(session, PM_ID, 1, SYSTEM).links  # links are in the history


def test_first_save_needs_base_version_zero(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    with sessions.begin() as session:
        service.save_analysis(session, PM_ID, Analysis(problem="A"), SYSTEM, base_version=0)
    with sessions.begin() as session, pytest.raises(ConflictError):
        service.save_analysis(session, PM_ID, Analysis(problem="B"), SYSTEM, base_version=0)


def test_evidence_survives_the_document_being_saved_again(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    _import(sessions)
    with sessions.begin() as session:
        doc = postmortems.get_document(session, PM_ID, SYSTEM)
        # a save from the editor writes the document's events again, with new ids (and a
        # database may hand an old id to another event): add one before the cited event
        earlier = TimelineEvent(at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC), text="Shift starts")
        postmortems.update_document(
            session, PM_ID, doc.model_copy(update={"timeline": [earlier, *doc.timeline]}), SYSTEM,
            base_version=doc.version,
        )  # fmt: skip
    with sessions.begin() as session:
        after = service.get_analysis(session, PM_ID, SYSTEM)
        cited = after.analysis.five_whys[0].steps[1].evidence[0]
        found = find_event(after.events, cited)
        assert found is not None and found.text.startswith("Queue consumer config change")
        # saving again points the citation at the event's id of today
        saved = service.save_analysis(
            session, PM_ID, after.analysis, SYSTEM, base_version=after.version
        )
        assert saved.analysis.five_whys[0].steps[1].evidence[0].event_id == found.id


def test_a_citation_whose_event_left_the_timeline_is_kept_but_shows_no_event(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    _import(sessions)
    with sessions.begin() as session:
        doc = postmortems.get_document(session, PM_ID, SYSTEM)
        kept = [e for e in doc.timeline if not e.text.startswith("Queue consumer")]
        postmortems.update_document(
            session, PM_ID, doc.model_copy(update={"timeline": kept}), SYSTEM,
            base_version=doc.version,
        )  # fmt: skip
    with sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
        cited = view.analysis.five_whys[0].steps[1].evidence[0]
        assert cited.text.startswith("Queue consumer config change")
        assert find_event(view.events, cited) is None


def test_links_go_when_their_action_item_goes(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    _import(sessions)
    with sessions.begin() as session:
        doc = postmortems.get_document(session, PM_ID, SYSTEM)
        kept = [a for a in doc.action_items if not a.title.startswith("Load test")]
        postmortems.update_document(
            session, PM_ID, doc.model_copy(update={"action_items": kept}), SYSTEM,
            base_version=doc.version,
        )  # fmt: skip
    with sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
        assert view.analysis.links == []
        assert {i.id for _, i in view.unaddressed()} == {"why-3", "fish-1", "node-2", "barrier-1"}
        assert session.scalar(select(func.count()).select_from(LinkRow)) == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d["five_whys"][0]["steps"][0].update(root_cause=True),
         "five_whys[0].steps[0].root_cause", "only the last step"),
        (lambda d: d["causal_tree"][0].update(parent="node-2"),
         "causal_tree[0].parent", "own ancestor"),
        (lambda d: d["causal_tree"][1].update(parent="ghost"),
         "causal_tree[1].parent", "not a node"),
        (lambda d: d["fishbone"][0].update(id="why-1"), "fishbone[0].id", "already used"),
        (lambda d: d["factors"][0].update(category="astrology"),
         "factors[0].category", "unknown category"),
        (lambda d: d["links"].append({"action_item": "No such item", "target": "why-1"}),
         "links[2].action_item", "no action item"),
        (lambda d: d["links"].append({"action_item": 999999, "target": "why-1"}),
         "links[2].action_item", "no action item 999999"),
        (lambda d: d["links"].append({"action_item": "Alert on consumer", "target": "ghost"}),
         "links[2].target", "no cause"),
        (lambda d: d["barriers"][0].update(evidence=[{"text": "Nothing like this"}]),
         "barriers[0].evidence[0]", "not in this post-mortem's timeline"),
        (lambda d: d["barriers"][0].update(evidence=[987654]),
         "barriers[0].evidence[0]", "event 987654"),
        (lambda d: d["barriers"][0].update(state="wobbly"), "barriers[0].state", "Input should"),
        (lambda d: d["fishbone"][0].update(colour="red"), "fishbone[0].colour", "Extra inputs"),
        (lambda d: d["changes"][0].update(at="2026-03-01T09:50:00"),
         "changes[0].at", "timezone"),
    ],
)  # fmt: skip
def test_invalid_analyses_are_refused_naming_the_field(
    sessions: sessionmaker[Session],
    postmortem: Document,
    change: object,
    field: str,
    message: str,
) -> None:
    data = full_analysis()
    assert callable(change)
    change(data)
    with sessions.begin() as session, pytest.raises(InputError) as caught:
        service.import_analysis(session, PM_ID, data, SYSTEM, source="rca.json")
    assert caught.value.field == field
    assert message in caught.value.message
    assert caught.value.file == "rca.json"
    with sessions.begin() as session:
        assert not service.has_analysis(session, PM_ID, SYSTEM)


def _people(session: Session) -> dict[str, Principal]:
    for name, role in [("ana", Role.EDITOR), ("bo", Role.EDITOR), ("cy", Role.VIEWER)]:
        people.create_user(session, SYSTEM, name, role=role)
    return {
        name: people.principal_for(session, people.get_user(session, name))
        for name in ("ana", "bo", "cy")
    }


def test_visibility_and_roles_apply(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        who = _people(session)
        secret = make_document().model_copy(
            update={"visibility": Visibility.RESTRICTED, "access": ["ana"]}
        )
        postmortems.create_document(session, secret, SYSTEM)
    _import(sessions)
    with sessions.begin() as session:
        assert service.get_analysis(session, PM_ID, who["ana"]).version == 1
        with pytest.raises(NotFoundError):
            service.get_analysis(session, PM_ID, who["bo"])
        with pytest.raises(NotFoundError):
            service.save_analysis(session, PM_ID, Analysis(), who["bo"], base_version=1)
        with pytest.raises(NotFoundError):
            service.versions(session, PM_ID, who["bo"])
        assert service.recurring_causes(session, who["bo"], min_count=1) == []
        assert service.recurring_causes(session, who["ana"], min_count=1) != []
    viewer = Principal(None, "cy", Role.VIEWER)
    with sessions.begin() as session, pytest.raises(PermissionDeniedError):
        service.save_analysis(session, PM_ID, Analysis(), viewer, base_version=1)


def test_recurring_causes_count_post_mortems_per_category(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    _import(sessions)
    with sessions.begin() as session:
        other = make_document().model_copy(update={"id": "second", "title": "Second outage"})
        postmortems.create_document(session, other, SYSTEM)
        second = Analysis.model_validate(
            {
                "factors": [
                    {"text": "Prefetch again", "classification": "primary",
                     "category": "config-change"},
                    {"text": "Not a cause", "classification": "mitigating"},
                ],
                "five_whys": [{"problem": "P", "steps": [
                    {"because": "Not a root", "category": "testing-gap"}]}],
            }
        )  # fmt: skip
        service.save_analysis(session, "second", second, SYSTEM, base_version=0)
    with sessions.begin() as session:
        found = service.recurring_causes(session, SYSTEM)
    assert [(r.category, r.count) for r in found] == [("config-change", 2)]
    assert found[0].label == "Configuration change"
    assert {pm for pm, _, _ in found[0].postmortems} == {PM_ID, "second"}


def test_the_taxonomy_can_be_edited_but_not_shrunk(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    editor = Principal(7, "ed", Role.EDITOR)
    facilitator = Principal(8, "fa", Role.FACILITATOR)
    with sessions.begin() as session:
        with pytest.raises(PermissionDeniedError):
            taxonomy.add_category(session, "vendor-outage", "Vendor outage", editor)
        taxonomy.add_category(session, "vendor-outage", "Vendor outage", facilitator)
        taxonomy.archive_category(session, "other", facilitator)
        with pytest.raises(InputError, match="archived, not removed"):
            taxonomy.replace_categories(session, [taxonomy.Category("x", "X")], facilitator)
        with pytest.raises(InputError, match="not a category key"):
            taxonomy.add_category(session, "Bad Key", "Bad", facilitator)
    with sessions.begin() as session:
        categories = taxonomy.list_categories(session)
        assert categories[-1].key == "vendor-outage"
        assert next(c for c in categories if c.key == "other").archived
        assert "other" not in {
            c.key for c in taxonomy.list_categories(session, include_archived=False)
        }
        data = full_analysis()
        data["factors"][0]["category"] = "vendor-outage"
        data["factors"][1]["category"] = "other"  # archived categories stay valid
        service.import_analysis(session, PM_ID, data, SYSTEM)


def test_failed_barriers_and_root_causes_are_reported_until_addressed(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    data = full_analysis()
    data["links"] = []
    data["barriers"][1]["state"] = BarrierState.FAILED.value
    data["barriers"][1]["why"] = ""
    with sessions.begin() as session:
        view = service.import_analysis(session, PM_ID, data, SYSTEM)
    rules = {(w.rule, w.target) for w in view.warnings}
    assert ("unaddressed", "barrier-2") in rules
    assert ("barrier-without-reason", "barrier-2") in rules
    assert ("unaddressed", "why-3") in rules
    assert ("unaddressed", "barrier-1") in rules


def test_a_chain_that_ends_at_a_person_is_flagged(
    sessions: sessionmaker[Session], postmortem: Document
) -> None:
    data = full_analysis()
    data["five_whys"][0]["steps"][-1]["because"] = "Because Ana Silva didn't check the config"
    data["five_whys"][0]["steps"][0]["because"] = "The intern forgot to run the tests"
    with sessions.begin() as session:
        view = service.import_analysis(session, PM_ID, data, SYSTEM)
    found = {(w.rule, w.target): w for w in view.warnings}
    ends = found[("ends-at-person", "why-3")]
    assert "ends at a person" in ends.message
    # the suggestion points at the system and keeps who took part (a fix keeps the facts)
    assert ends.suggestion == "Because the process didn't require Ana Silva to check the config."
    assert ("blameful-language", "why-1") in found  # earlier steps: plain language findings
    assert not any(w.target == "why-2" for w in view.warnings)


@pytest.mark.parametrize("first_save", [True, False], ids=["first-save", "later-save"])
def test_concurrent_saves_from_one_version_never_both_win(
    sessions: sessionmaker[Session], postmortem: Document, first_save: bool
) -> None:
    """Two saves based on the same version, racing: one wins, the other is refused."""
    import threading

    base = 0 if first_save else _import(sessions)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def save(problem: str) -> None:
        try:
            with sessions.begin() as session:
                view = service.get_analysis(session, PM_ID, SYSTEM, lint=False)
                barrier.wait()
                analysis = view.analysis.model_copy(update={"problem": problem})
                service.save_analysis(session, PM_ID, analysis, SYSTEM, base_version=base)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("refused")
        except Exception as exc:  # reported by the assertion below
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=save, args=(p,)) for p in ("mine", "theirs")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    with sessions.begin() as session:
        view = service.get_analysis(session, PM_ID, SYSTEM)
        assert view.version == base + 1 and view.analysis.problem in ("mine", "theirs")
        versions = [v.version for v in service.versions(session, PM_ID, SYSTEM)]
        assert versions == list(range(base + 1, 0, -1))  # one new version, none lost
