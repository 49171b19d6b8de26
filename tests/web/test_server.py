"""`kintsugi serve --workers N`: each worker listens on its own socket, so that connections
that stay open (browsers, proxies, API clients) are spread over the workers."""

from __future__ import annotations

import pickle
import socket
import subprocess
from pathlib import Path

import pytest

from kintsugi.web.server import reserve
from tests.support.servers import KINTSUGI, free_port, start_kintsugi, stop


def test_each_worker_gets_a_listening_socket_of_its_own_and_connections_spread() -> None:
    with reserve("127.0.0.1", 0) as address:
        port = address.getsockname()[1]
        # what each spawned worker unpickles from the socket uvicorn hands it
        workers = [pickle.loads(pickle.dumps(address)) for _ in range(2)]
        clients = []
        try:
            for worker in workers:
                assert worker.getsockname() == ("127.0.0.1", port)
                worker.setblocking(False)
            # 50 users connecting at once: the kernel spreads them by address over the sockets
            clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
            accepted = [_accept_all(worker) for worker in workers]
        finally:
            for sock in clients + workers:
                sock.close()
    assert sum(accepted) == 50
    assert min(accepted) >= 10, accepted  # (all on one would be a 1 in 2**49 chance)


def _accept_all(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def test_a_taken_address_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            reserve("127.0.0.1", port)


def test_serve_with_two_workers_spreads_open_connections(tmp_path: Path) -> None:
    process, base = start_kintsugi(f"sqlite:///{tmp_path / 'k.db'}", workers=2)
    try:
        port = int(base.rsplit(":", 1)[1])
        # users arriving at once, each keeping its connection open
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(30)]
        try:
            for client in clients:
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: kintsugi\r\n\r\n")
            for client in clients:
                assert client.recv(4096).startswith(b"HTTP/1.1 200")
            per_worker = _connections_per_process(process.pid, port)
        finally:
            for client in clients:
                client.close()
    finally:
        stop(process)
    assert len(per_worker) == 2 and min(per_worker.values()) >= 3, per_worker


def test_serve_names_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [KINTSUGI, "serve", "--port", str(port), "--workers", "2"],
            capture_output=True,
            text=True,
            timeout=60,
            env={"KINTSUGI_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}", "PATH": "/usr/bin"},
        )
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def _connections_per_process(parent: int, port: int) -> dict[int, int]:
    """Established server-side connections on ``port`` held by each child of ``parent``."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # ESTABLISHED
            established.add(fields[9])  # the socket's inode
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    found: dict[int, int] = {}
    for child in map(int, children):
        inodes = set()
        for fd in Path(f"/proc/{child}/fd").iterdir():
            try:
                target = fd.readlink().name
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        if inodes & established:
            found[child] = len(inodes & established)
    return found
