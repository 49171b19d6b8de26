"""Tables of the post-mortems slice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kintsugi.core.db import Base
from kintsugi.core.types import UTCDateTime, utcnow

LISTED_INDEX = "ix_postmortems_listed"
"""The live post-mortems in list order (migration 0008): written by hand, as its column
orders and INCLUDE differ between the engines, and so left out of schema comparisons."""


class PostmortemRow(Base):
    __tablename__ = "postmortems"

    pk: Mapped[int] = mapped_column("pk", primary_key=True)
    id: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20), default="postmortem")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    severity: Mapped[str | None] = mapped_column(String(10), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    visibility: Mapped[str] = mapped_column(String(20), default="organisation")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # optimistic locking: every UPDATE says WHERE version = <the version read>, so of two
    # concurrent saves from the same version exactly one wins and the other is refused
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    tags: Mapped[list[TagRow]] = relationship(order_by="TagRow.tag", lazy="select", viewonly=True)
    services: Mapped[list[ServiceRow]] = relationship(
        order_by="ServiceRow.service", lazy="select", viewonly=True
    )
    authors: Mapped[list[AuthorRow]] = relationship(
        order_by="AuthorRow.position", lazy="select", viewonly=True
    )
    sections: Mapped[list[SectionRow]] = relationship(
        order_by="SectionRow.position", lazy="select", viewonly=True
    )
    grants: Mapped[list[AccessGrantRow]] = relationship(
        order_by="AccessGrantRow.user_id", lazy="select", viewonly=True
    )


class TagRow(Base):
    __tablename__ = "postmortem_tags"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_postmortem_tags_tag", "tag"),)


class ServiceRow(Base):
    __tablename__ = "postmortem_services"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(200), primary_key=True)

    __table_args__ = (Index("ix_postmortem_services_service", "service"),)


class CauseCategoryRow(Base):
    """A cause category a post-mortem's root cause analysis names: a label of the post-mortem,
    like its tags, that the library counts and filters by. The analysis sets them
    (``changes.set_cause_categories``); the table keeps the name it was created with."""

    __tablename__ = "rca_cause_categories"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class AuthorRow(Base):
    __tablename__ = "postmortem_authors"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class SectionRow(Base):
    __tablename__ = "postmortem_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    heading: Mapped[str] = mapped_column(String(500))
    level: Mapped[int] = mapped_column(Integer, default=2)
    markdown: Mapped[str] = mapped_column(Text, default="")


class AccessGrantRow(Base):
    """Named people allowed to see a restricted post-mortem."""

    __tablename__ = "postmortem_access"
    __table_args__ = (Index("ix_postmortem_access_user", "user_id", "postmortem_pk"),)

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class VersionRow(Base):
    """A snapshot of a document after each change: who, when, and the whole document."""

    __tablename__ = "postmortem_versions"

    postmortem_pk: Mapped[int] = mapped_column(
        ForeignKey("postmortems.pk", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(80))
    change: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


class PolicyRow(Base):
    """The learning policy as set on the admin page (one row, id 1): only the fields set there,
    which override the settings file's (``postmortems.policy``)."""

    __tablename__ = "metrics_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")
