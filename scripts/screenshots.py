"""Screenshots of every main page, wide and narrow, with what went wrong on each.

Starts ``kintsugi serve`` on a temporary SQLite database with the demo loaded (as ``make run``
does), signs in as the demo admin and, in Chromium, saves a full-page PNG of each page at
1400x1000 and at 390 px wide into OUT_DIR. It reports, per page and width, the console errors
and whether the page is wider than the window (horizontal overflow), and writes the same as
OUT_DIR/report.json. Exit status 1 when any page had either.

Usage: ``python scripts/screenshots.py OUT_DIR [--chromium /usr/bin/chromium]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

KINTSUGI = str(Path(sys.executable).with_name("kintsugi"))
WIDTHS = {"wide": (1400, 1000), "narrow": (390, 844)}
SETTLE_MS = 400  # after the network is idle: htmx swaps and lazy loads finish
# the outermost elements reaching past the window's right edge, as tag.class
TOO_WIDE_JS = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const past = (el) => el && el.getBoundingClientRect().right > edge;
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    if (past(el) && !past(el.parentElement)) {
      const cls = typeof el.className === "string" ? el.className.trim().split(/\\s+/) : [];
      found.push([el.tagName.toLowerCase(), ...cls.filter(Boolean)].join("."));
    }
  }
  return [...new Set(found)].slice(0, 5);
}"""
SIGN_IN_LINE = re.compile(r"^\s*(?P<user>\S+)\s+admin\s+(?P<password>\S+)\s*$", re.MULTILINE)


@dataclass
class Shot:
    """One page at one width: its file and what was wrong."""

    page: str
    width: str
    path: str
    file: str
    status: int | None
    console_errors: list[str] = field(default_factory=list)
    scroll_width: int = 0
    viewport_width: int = 0
    too_wide: list[str] = field(default_factory=list)

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.viewport_width


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kintsugi(*args: str) -> str:
    done = subprocess.run([KINTSUGI, *args], check=True, capture_output=True, text=True)
    return done.stdout


def _demo_admin(db_url: str) -> tuple[str, str]:
    """Migrate, load the demo, and return the admin's (username, password) it prints."""
    _kintsugi("db", "upgrade", "--db", db_url)
    printed = _kintsugi("demo", "--if-empty", "--db", db_url)
    found = SIGN_IN_LINE.search(printed)
    if found is None:
        raise SystemExit(f"the demo printed no admin sign-in:\n{printed}")
    return found["user"], found["password"]


def _serve(db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [KINTSUGI, "serve", "--db", db_url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("kintsugi serve did not answer within a minute")


def _first_link(page: Page, pattern: str) -> str | None:
    """The first link on the page whose href matches ``pattern``."""
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.getAttribute('href'))"
    )
    return next((h for h in hrefs if re.fullmatch(pattern, h)), None)


def _pages(page: Page) -> list[tuple[str, str]]:
    """(name, path) of each main page, with ids found on the demo's own pages."""
    page.goto("/postmortems")
    doc = _first_link(page, r"/postmortems/(?!new$)[\w-]+") or "/postmortems"
    page.goto("/meetings")
    meeting = _first_link(page, r"/meetings/(?!postmortem/)[\w-]+")
    found = [
        ("postmortems", "/postmortems"),
        ("document", doc),
        ("edit", f"{doc}/edit"),
        ("timeline-builder", f"{doc}/timeline"),
        ("rca", f"{doc}/rca"),
        ("actions", "/actions"),
        ("library", "/library?q=database"),
        ("incidents", "/incidents"),
        ("meetings", "/meetings"),
    ]
    if meeting:
        found += [("meeting", meeting), ("meeting-live", f"{meeting}/session")]
    return [
        *found,
        ("metrics", "/metrics/dashboard"),
        ("handbook", "/handbook"),
        ("admin-people", "/admin/people"),
        ("admin-teams", "/admin/teams"),
        ("admin-tokens", "/admin/tokens"),
        ("admin-policy", "/admin/metrics-policy"),
        ("audit", "/audit"),
    ]


def _sign_in(browser: Browser, base: str, size: tuple[int, int], user: str, password: str) -> Page:
    context = browser.new_context(base_url=base, viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/postmortems")
    return page


def _shoot(page: Page, name: str, width: str, path: str, out: Path) -> Shot:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(SETTLE_MS)
    page.wait_for_load_state("networkidle")
    file = out / f"{name}-{width}.png"
    page.screenshot(path=str(file), full_page=True)
    widths: list[int] = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    too_wide: list[str] = page.evaluate(TOO_WIDE_JS) if widths[0] > widths[1] else []
    return Shot(
        page=name,
        width=width,
        path=path,
        file=file.name,
        status=response.status if response else None,
        console_errors=errors,
        scroll_width=widths[0],
        viewport_width=widths[1],
        too_wide=too_wide,
    )


def run(out: Path, chromium: str) -> list[Shot]:
    """Every page at every width; the shots with their findings."""
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Shot] = []
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'screenshots.db'}"
        user, password = _demo_admin(db_url)
        process, base = _serve(db_url)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium)
                for width, size in WIDTHS.items():
                    signed_in = _sign_in(browser, base, size, user, password)
                    for name, path in _pages(signed_in):
                        tab = signed_in.context.new_page()  # its console errors are its own
                        shots.append(_shoot(tab, name, width, path, out))
                        tab.close()
                    signed_in.context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory for the PNGs and report.json")
    parser.add_argument(
        "--chromium",
        default=os.environ.get("KINTSUGI_CHROMIUM", "/usr/bin/chromium"),
        help="the Chromium to drive (default: $KINTSUGI_CHROMIUM or /usr/bin/chromium)",
    )
    args = parser.parse_args()
    shots = run(args.out, args.chromium)
    report = [asdict(s) | {"overflows": s.overflows} for s in shots]
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    trouble = 0
    for s in shots:
        problems = [f"HTTP {s.status}"] if s.status and s.status >= 400 else []
        if s.overflows:
            culprits = f": {', '.join(s.too_wide)}" if s.too_wide else ""
            problems.append(
                f"horizontal overflow ({s.scroll_width} > {s.viewport_width} px{culprits})"
            )
        problems += [f"console: {e}" for e in s.console_errors]
        trouble += bool(problems)
        print(f"{s.page:18} {s.width:6} {s.file:28} {'; '.join(problems) or 'ok'}")
    print(f"{len(shots)} screenshots in {args.out}; {trouble} with problems")
    return 1 if trouble else 0


if __name__ == "__main__":
    sys.exit(main())
