"""Run a local ASGI app on 127.0.0.1 over a real socket, on an ephemeral port, in a thread."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    app: ASGIApp, port: int | None = None, *, proxy_headers: bool = True, lifespan: bool = False
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL.

    ``proxy_headers=False``: as ``kintsugi serve`` runs uvicorn (the app reads them itself).
    ``lifespan``: run the app's start-up (its thread pool's size, the library's preload).
    """
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="error",
        lifespan="on" if lifespan else "off",
        proxy_headers=proxy_headers,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"test server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


KINTSUGI = str(Path(sys.executable).with_name("kintsugi"))


def start_kintsugi(
    db_url: str, port: int | None = None, workers: int = 1, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`kintsugi serve` on ``db_url`` as a subprocess, once it answers; (process, base URL).

    ``env``: settings (``KINTSUGI_*``) for the server on top of this process's environment.
    """
    port = port or free_port()
    process = subprocess.Popen(
        [KINTSUGI, "serve", "--port", str(port), "--workers", str(workers), "--db", db_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env} if env else None,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded machine starts the server slowly
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "server exited"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a server started by start_kintsugi, gently."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
