"""What an incident system says about one incident, in one shape for every vendor."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass

from kintsugi.core.wire import IsoDatetime

MILESTONES = ("started", "detected", "acknowledged", "mitigated", "resolved")
"""The lifecycle times a draft fills in, in order."""


@pydantic_dataclass
class Stamp:
    """A lifecycle time and where it came from (``incidentio``, ``pagerduty``, ``timeline``);
    its JSON (``STAMP``) names the origin ``from``."""

    at: IsoDatetime
    origin: str = Field(serialization_alias="from")


@pydantic_dataclass
class Person:
    """A human responder and their incident roles (bots and integrations are never people)."""

    name: str
    email: str | None = None
    roles: list[str] = field(default_factory=list)
    origin: str = Field(default="", serialization_alias="from")

    @property
    def key(self) -> str:
        return (self.email or self.name).strip().lower()


STAMP = TypeAdapter(Stamp)
PEOPLE = TypeAdapter(list[Person])


@dataclass
class IncidentFacts:
    """One incident as its system recorded it."""

    vendor: str
    external_id: str
    title: str
    summary: str = ""
    severity: str | None = None
    vendor_severity: str | None = None
    status: str = "open"
    resolved: bool = False
    link: str | None = None
    services: list[str] = field(default_factory=list)
    times: dict[str, Stamp] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    lead: Person | None = None

    @property
    def reference(self) -> str:
        return f"{self.vendor}:{self.external_id}"

    def merge(self, other: IncidentFacts) -> None:
        """Fill what this incident lacks from ``other`` (the same incident in another system)."""
        for name, stamp in other.times.items():
            if name not in self.times:
                self.times[name] = stamp
        for service in other.services:
            if service not in self.services:
                self.services.append(service)
        add_people(self.people, other.people)
        if self.lead is None and other.lead is not None:
            self.lead = other.lead
        if self.severity is None:
            self.severity = other.severity
        self.resolved = self.resolved or other.resolved


def add_people(people: list[Person], more: list[Person]) -> None:
    """Add ``more`` to ``people``; the same person (email, else name) gets the roles merged."""
    known = {p.key: p for p in people}
    for person in more:
        same = known.get(person.key) or next(
            (p for p in people if p.name.strip().lower() == person.name.strip().lower()), None
        )
        if same is None:
            copy = Person(person.name, person.email, list(person.roles), person.origin)
            people.append(copy)
            known[copy.key] = copy
            continue
        same.email = same.email or person.email
        for role in person.roles:
            if role not in same.roles:
                same.roles.append(role)
