"""``Cache-Control: no-store`` on pages and API answers: what a signed-in person saw stays
out of shared caches and off the disk of a shared computer (the back button asks again).

Static assets (``/static/``) keep the server's caching, and a route that chose its own
``Cache-Control`` (a public stylesheet, a chart cached privately for a minute) keeps it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE_PREFIXES = ("/static/",)
NO_STORE = (b"cache-control", b"no-store")


class NoStore:
    """Add ``Cache-Control: no-store`` to every response outside ``CACHEABLE_PREFIXES``
    that does not set the header itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CACHEABLE_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if all(name.lower() != NO_STORE[0] for name, _ in headers):
                    message = {**message, "headers": [*headers, NO_STORE]}
            await send(message)

        await self.app(scope, receive, send_no_store)
