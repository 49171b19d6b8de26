"""Known script-injection payloads, and a check that a page carries none of them live."""

from __future__ import annotations

from html.parser import HTMLParser

PAYLOADS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "{{ 7*7 }}<x onmouseover=alert(1)>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "<style>@import 'http://evil/x.css';</style>",
    "<input autofocus onfocus=alert(1)>",
    "</textarea><script>alert(1)</script>",
    '<base href="http://evil/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
]

OWN_SCRIPTS = {"/static/vendor/htmx.min.js", "/static/kintsugi.js"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_textarea = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.in_textarea:
            return  # the browser shows textarea content as text
        values = dict(attrs)
        if tag == "script" and values.get("src") not in OWN_SCRIPTS:
            self.problems.append(f"<script> not ours: {values}")
        if tag == "style" and "data-kintsugi" in values:
            pass  # the HTML export's own stylesheet
        elif tag in {"iframe", "object", "embed", "base", "style"} or (
            tag == "meta" and "http-equiv" in values
        ):
            self.problems.append(f"<{tag}> injected")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            dangerous = ("javascript:", "data:text/html", "vbscript:")
            if (
                name in {"href", "src", "action", "data", "formaction"}
                and value
                and value.strip().lower().startswith(dangerous)
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "textarea":
            self.in_textarea = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.in_textarea = False


def injection_problems(html: str) -> list[str]:
    """Live script, handlers or dangerous URLs in ``html`` that the app did not put there."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems
