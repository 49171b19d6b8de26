"""Run the web app under uvicorn, with each worker process listening on a socket of its own.

uvicorn's workers share one listening socket, and a worker that wakes first accepts every
connection waiting. Clients that keep their connections open (browsers, proxies, API clients)
then stay on that worker: 50 users connecting at once were seen to land one part in five on
one worker and four in five on the other, which ran out of CPU while the first idled. Here
the parent only reserves the address, and each worker opens its own listening socket on it
with ``SO_REUSEPORT``, so the kernel spreads new connections over the workers evenly.
uvicorn still starts, watches and restarts the workers.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

APP = "kintsugi.web.asgi:app_factory"
BACKLOG = 2048
"""Connections the kernel queues for a worker (uvicorn's default)."""


def serve(host: str, port: int, workers: int) -> None:
    """Serve the app on ``host:port`` with ``workers`` processes until stopped."""
    # proxy headers are read by the app, from KINTSUGI_TRUSTED_PROXIES only (uvicorn's own
    # default would believe any X-Forwarded-For that reaches it from 127.0.0.1)
    options: dict[str, Any] = {"factory": True, "log_level": "warning", "proxy_headers": False}
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(APP, host=host, port=port, workers=workers, **options)
    with reserve(host, port, backlog=config.backlog) as address:
        Multiprocess(config, sockets=[address]).run()


class _Address(socket.socket):
    """A bound socket that does not listen: it holds the address for the workers.

    Sent to a worker (uvicorn pickles the sockets it gives to the processes it spawns), it
    becomes a new socket listening on the same address, one for each worker.
    """

    backlog = BACKLOG

    def __reduce__(self) -> tuple[Any, ...]:
        return (listening_socket, (self.family, self.getsockname(), self.backlog))


def reserve(host: str, port: int, *, backlog: int = BACKLOG) -> _Address:
    """Bind ``host:port`` (port 0 picks a free one) for workers that listen on it themselves.

    Raises OSError naming the address when it is taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = _Address(family, socket.SOCK_STREAM)
    try:
        _share(sock)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.backlog = backlog
    return sock


def listening_socket(family: int, address: Any, backlog: int) -> socket.socket:
    """A socket listening on ``address`` beside the other workers' sockets on it."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        _share(sock)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def _share(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
