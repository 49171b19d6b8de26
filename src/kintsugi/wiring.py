"""The composition root: connects the slices that react to post-mortems to the ones below.

Lower slices never import higher ones; instead each higher slice's ``wiring`` module
subscribes to domain events (``kintsugi.core.events``) or installs what the lower slice
calls through a protocol (a document's parts, the publish checks). Every program calls
``wire()`` once as it starts: the web app factory, the command line, the demo loader, the
benchmarks and the tests.
"""

from __future__ import annotations

from kintsugi.actions import wiring as actions
from kintsugi.core.events import bus
from kintsugi.handbook import wiring as handbook
from kintsugi.language import wiring as language
from kintsugi.library import wiring as library
from kintsugi.metrics import wiring as metrics
from kintsugi.timeline import wiring as timeline

_SLICES = (timeline, actions, library, language, metrics, handbook)
_wired: list[bool] = []


def wire() -> None:
    """Connect the slices to the application's bus and hooks; later calls do nothing."""
    if _wired:
        return
    for slice_wiring in _SLICES:
        slice_wiring.wire(bus)
    _wired.append(True)
