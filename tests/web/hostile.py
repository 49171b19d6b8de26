"""A real server (``kintsugi serve`` on a loopback port) with an editor and a viewer, for
tests that send it hostile input and watch that it keeps answering."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kintsugi.core.db import make_engine, make_sessionmaker
from kintsugi.core.migrations import upgrade
from kintsugi.people import service as people
from kintsugi.people.principal import SYSTEM, Role
from tests.support.servers import start_kintsugi, stop

ATTACK_TIMEOUT = 120.0
"""How long an attacking client waits for its own answer (its time is not what is tested)."""


@dataclass(frozen=True)
class Server:
    base: str
    editor: dict[str, str]
    viewer: dict[str, str]
    process: subprocess.Popen[bytes]


def _token(role: Role, username: str, url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine, writes=True).begin() as session:
            people.create_user(session, SYSTEM, username, role=role, password="x" * 20)
            secret = people.create_token(session, SYSTEM, username, "tests", "write").secret
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {secret}"}


@contextmanager
def hostile_server(directory: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A server on a fresh SQLite database in ``directory``, stopped (SIGTERM) at the end."""
    url = f"sqlite:///{directory / 'kintsugi.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    editor = _token(Role.EDITOR, "editor", url)
    viewer = _token(Role.VIEWER, "viewer", url)
    process, base = start_kintsugi(url, env=env)
    try:
        yield Server(base, editor, viewer, process)
    finally:
        stop(process)
