from __future__ import annotations

from kintsugi.timeline.events import Kind
from kintsugi.timeline.sources.base import RetryPolicy, Window
from kintsugi.timeline.sources.slack import SlackSource
from tests.timeline.conftest import SLACK_TOKEN
from tests.timeline.fakes.slack import SlackFake, message, user
from tests.timeline.helpers import at

EPOCH_T0 = 1714572000  # 2024-05-01T14:00:00Z
CHANNEL = "C0123ABCD"


def ts(minutes: float, micros: int = 0) -> str:
    return f"{int(EPOCH_T0 + minutes * 60)}.{micros:06d}"


def seed(fake: SlackFake, chatter: int = 0) -> None:
    fake.users["U1"] = user("U1", "ana", "Ana Lima")
    fake.users["U2"] = user("U2", "", "Ben Okafor")
    messages = [
        message(ts(1, 100), "<!here> checkout is throwing 500s, <@U2> can you look?", "U1"),
        message(ts(2), "joined", "U2", subtype="channel_join"),
        message(ts(3, 250), "Rolling back api to v1.41", "U2", reply_count=2, thread_ts=ts(3, 250)),
        message(
            ts(4),
            "",
            None,
            subtype="bot_message",
            username="deploy-bot",
            attachments=[{"text": "Rollback started"}],
        ),
        message(ts(9), "Here is the db url postgres://app:s3cr3tpw@db:5432/app", "U1"),
        message(ts(200), "outside the window", "U1"),
    ]
    messages += [message(ts(10 + i / 100, i), f"chatter {i}", "U1") for i in range(chatter)]
    fake.channels[CHANNEL] = messages
    fake.replies[(CHANNEL, ts(3, 250))] = [
        message(ts(5), "error rate dropping", "U1", thread_ts=ts(3, 250)),
        message(ts(6), "all clear", "U404", thread_ts=ts(3, 250)),
    ]


def source(fake: SlackFake, retry: RetryPolicy, token: str = SLACK_TOKEN) -> SlackSource:
    env = {"SLACK_API_URL": f"{fake.url}/api", "SLACK_BOT_TOKEN": token}
    return SlackSource(f"slack:{CHANNEL}", CHANNEL, env=env, retry=retry)


def test_messages_threads_and_names(slack: SlackFake, retry: RetryPolicy) -> None:
    seed(slack)
    events = sorted(source(slack, retry).events(Window(at(0), at(60))), key=lambda e: e.at)
    assert [e.title for e in events] == [
        "@here checkout is throwing 500s, @Ben Okafor can you look?",
        "Rolling back api to v1.41",
        "Rollback started",
        "error rate dropping",
        "all clear",
        "Here is the db url postgres://app:[REDACTED]@db:5432/app",  # redacted, then cut
    ]
    assert [e.actor for e in events] == ["ana", "Ben Okafor", "deploy-bot", "ana", "U404", "ana"]
    assert all(e.kind == Kind.MESSAGE for e in events)
    assert events[0].at == at(1).replace(microsecond=100)
    assert events[0].source_id == f"{CHANNEL}/{ts(1, 100)}"
    assert events[3].link and "thread_ts=" in events[3].link
    infos = [r for r in slack.requests if r.path == "/api/users.info"]
    assert sorted(r.arg("user") or "" for r in infos) == [
        "U1",
        "U2",
        "U404",
    ]  # each user asked once


def test_history_is_paged_with_cursors(slack: SlackFake, retry: RetryPolicy) -> None:
    seed(slack, chatter=450)
    events = list(source(slack, retry).events(Window(at(0), at(60))))
    assert len([e for e in events if e.title.startswith("chatter")]) == 450
    pages = [r for r in slack.requests if r.path == "/api/conversations.history"]
    assert len(pages) == 3
    assert pages[0].arg("cursor") is None and pages[1].arg("cursor")
    assert pages[0].arg("oldest") == f"{EPOCH_T0}.000000"
