"""Users, teams, passwords, API tokens and web sessions."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Integer, Select, String, bindparam, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from kintsugi.audit import service as audit
from kintsugi.core.db import ADVISORY_WRITE, savepoint
from kintsugi.core.db_state import write_refusal
from kintsugi.core.errors import ConflictError, InputError, NotFoundError
from kintsugi.core.types import utcnow
from kintsugi.people.matching import match_person
from kintsugi.people.models import ApiToken, ExternalIdentity, Team, TeamMember, User, WebSession
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal, Role

MIN_PASSWORD_LENGTH = 12
TEMPORARY_PASSWORD_BYTES = 15  # 20 characters
MAX_TOKEN_DAYS = 3650
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_PREFIX = "kts_"
_hasher = PasswordHasher()
logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against for unknown users, so both paths take about as long."""
    return _hasher.hash("not a real password, only for timing")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def validate_username(username: str) -> str:
    """Usernames: 1-80 letters, digits, '.', '_', '-' or '@'."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}", username or ""):
        raise InputError(
            f"{username!r} is not a valid username (letters, digits, '.', '_', '-', '@')",
            field="username",
        )
    return username


def validate_password(password: str) -> str:
    """Passwords need at least MIN_PASSWORD_LENGTH characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    return password


def parse_role(value: str) -> Role:
    """A Role from its name, with a clear error."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {value!r}; one of {allowed}", field="role") from None


# ----------------------------------------------------------------------------- users


def _require_admin(actor: Principal) -> None:
    require(actor, Action.MANAGE_PEOPLE)


def create_user(
    session: Session,
    actor: Principal,
    username: str,
    *,
    role: Role = Role.VIEWER,
    password: str | None = None,
    display_name: str = "",
    email: str | None = None,
) -> User:
    """Add a person; a password is optional (OpenID Connect users have none)."""
    _require_admin(actor)
    validate_username(username)
    if session.scalar(select(User.id).where(User.username == username)):
        raise ConflictError(f"user {username!r} already exists")
    user = User(
        username=username,
        role=role.value,
        display_name=display_name or username,
        email=email,
        password_hash=_hasher.hash(validate_password(password)) if password else None,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_created", username, role=role.value)
    return user


def get_user(session: Session, username: str) -> User:
    """The user called ``username``."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def users_exist(session: Session) -> bool:
    """True once anyone has been created."""
    return session.scalar(select(User.id).limit(1)) is not None


def set_role(session: Session, actor: Principal, username: str, role: Role) -> User:
    """Change a person's role (audited); refused when it would leave no active admin."""
    _require_admin(actor)
    user = get_user(session, username)
    before = user.role
    if before == role.value:
        return user
    if before == Role.ADMIN.value and user.is_active:
        _keep_an_admin(session, user, "demoting")
    user.role = role.value
    audit.record(session, actor, "role_changed", username, before=before, after=role.value)
    return user


def set_password(session: Session, actor: Principal, username: str, password: str) -> None:
    """Set a password: admins for anyone, people for themselves."""
    if actor.username != username:
        _require_admin(actor)
    user = get_user(session, username)
    user.password_hash = _hasher.hash(validate_password(password))
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    audit.record(session, actor, "password_changed", username)


def reset_password(session: Session, actor: Principal, username: str) -> str:
    """Give a person a fresh temporary password (admins), returned once: only its hash is
    kept. Their browsers are signed out; they sign in with it and choose their own."""
    _require_admin(actor)
    user = get_user(session, username)
    temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    user.password_hash = _hasher.hash(temporary)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    audit.record(session, actor, "password_changed", username, reset=True)
    return temporary


def set_active(session: Session, actor: Principal, username: str, active: bool) -> None:
    """Deactivate (or reactivate) a person; their sessions end and tokens stop working.

    Nobody deactivates themselves, and the last active admin stays."""
    _require_admin(actor)
    user = get_user(session, username)
    if user.is_active == active:
        return
    if not active:
        if actor.user_id is not None and actor.user_id == user.id:
            raise ConflictError("you cannot deactivate yourself; ask another admin")
        if user.role == Role.ADMIN.value:
            _keep_an_admin(session, user, "deactivating")
    user.is_active = active
    if not active:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    audit.record(session, actor, "user_deactivated" if not active else "user_reactivated", username)


def _keep_an_admin(session: Session, user: User, doing: str) -> None:
    """ConflictError when ``user`` is the only active admin left."""
    others = session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN.value, User.is_active.is_(True), User.id != user.id
        )
    )
    if not others:
        raise ConflictError(
            f"{doing} {user.username} would leave no active admin; make someone else admin first"
        )


def set_bot(session: Session, actor: Principal, username: str, bot: bool) -> None:
    """Mark a user as a bot or service account (or as a person again); admins, audited."""
    _require_admin(actor)
    user = get_user(session, username)
    user.is_bot = bot
    audit.record(session, actor, "user_marked_bot" if bot else "user_marked_person", username)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user whose password this is, else None (in about the same time either way)."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    hashed = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active or not user.password_hash:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_sign_in_at = utcnow()
    return user


_TEAMS_OF = select(TeamMember.team_id).where(  # built once: read on every request
    TeamMember.user_id == bindparam("user_id", type_=Integer)
)


def principal_for(session: Session, user: User, *, read_only: bool = False) -> Principal:
    """The Principal of a user, with their teams."""
    team_ids = frozenset(session.scalars(_TEAMS_OF, {"user_id": user.id}))
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        team_ids=team_ids,
        read_only=read_only,
    )


def find_active_user(session: Session, name: str) -> User | None:
    """The active user whose username, display name or email is ``name``, ignoring case and
    accents (``people.matching``); an exact username wins over a display name or email that
    also matches, and a name several people share names nobody."""
    person = match_person(session, name)
    return session.get(User, person.id) if person else None


def active_user(session: Session, username: str, *, field: str) -> User:
    """The active user ``username``; InputError naming ``field`` otherwise."""
    user = session.scalars(
        select(User).where(User.username == username.strip(), User.is_active.is_(True))
    ).first()
    if user is None:
        raise InputError(f"no active user {username!r}", field=field)
    return user


def usernames_by_id(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Usernames of the given user ids."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: username for user_id, username in rows}


def user_ids(session: Session, usernames: Iterable[str], *, field: str = "access") -> list[int]:
    """Ids of the given usernames; an unknown one is an InputError naming it."""
    wanted = list(dict.fromkeys(u.strip() for u in usernames if u.strip()))
    if not wanted:
        return []
    rows = session.execute(select(User.username, User.id).where(User.username.in_(wanted)))
    found = {username: user_id for username, user_id in rows}
    missing = [u for u in wanted if u not in found]
    if missing:
        raise InputError(f"unknown user(s): {', '.join(missing)}", field=field)
    return [found[u] for u in wanted]


# ----------------------------------------------------------------------------- teams


def create_team(session: Session, actor: Principal, name: str) -> Team:
    """Add a team."""
    _require_admin(actor)
    name = _team_name(name)
    if session.scalar(select(Team.id).where(Team.name == name)):
        raise ConflictError(f"team {name!r} already exists")
    team = Team(name=name)
    session.add(team)
    session.flush()
    audit.record(session, actor, "team_changed", name, change="created")
    return team


def rename_team(session: Session, actor: Principal, name: str, new_name: str) -> Team:
    """Give a team another name (its members and post-mortems stay with it)."""
    _require_admin(actor)
    team = get_team(session, name)
    wanted = _team_name(new_name)
    if wanted == team.name:
        return team
    if session.scalar(select(Team.id).where(Team.name == wanted)):
        raise ConflictError(f"team {wanted!r} already exists")
    team.name = wanted
    audit.record(session, actor, "team_changed", wanted, change="renamed", before=name)
    return team


def _team_name(name: str) -> str:
    if not name.strip() or len(name.strip()) > 120:
        raise InputError("a team needs a name of at most 120 characters", field="name")
    return name.strip()


def teams_by_user(session: Session) -> dict[int, list[str]]:
    """The names of each user's teams, by user id."""
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(TeamMember.user_id, Team.name)
        .join(Team, Team.id == TeamMember.team_id)
        .order_by(Team.name)
    )
    for user_id, name in rows:
        found.setdefault(user_id, []).append(name)
    return found


def get_team(session: Session, name: str) -> Team:
    """The team called ``name``."""
    team = session.scalars(select(Team).where(Team.name == name)).one_or_none()
    if team is None:
        raise NotFoundError(f"no team {name!r}")
    return team


def team_name(session: Session, team_id: int | None) -> str | None:
    """The name of a team id (None for None)."""
    return session.scalar(select(Team.name).where(Team.id == team_id)) if team_id else None


def team_id(session: Session, name: str | None, *, field: str = "team") -> int | None:
    """The id of a team name (None for None); an unknown team is an InputError."""
    if not name:
        return None
    found = session.scalar(select(Team.id).where(Team.name == name))
    if found is None:
        raise InputError(f"unknown team {name!r}", field=field)
    return found


def list_teams(session: Session) -> list[Team]:
    """Every team, by name."""
    return list(session.scalars(select(Team).order_by(Team.name)))


def add_member(session: Session, actor: Principal, team: str, username: str) -> None:
    """Put a person in a team."""
    _require_admin(actor)
    team_row, user = get_team(session, team), get_user(session, username)
    if session.get(TeamMember, (team_row.id, user.id)) is None:
        session.add(TeamMember(team_id=team_row.id, user_id=user.id))
        audit.record(session, actor, "team_changed", team, added=username)


def remove_member(session: Session, actor: Principal, team: str, username: str) -> None:
    """Take a person out of a team."""
    _require_admin(actor)
    team_row, user = get_team(session, team), get_user(session, username)
    member = session.get(TeamMember, (team_row.id, user.id))
    if member is not None:
        session.delete(member)
        audit.record(session, actor, "team_changed", team, removed=username)


def members(session: Session, team: str) -> list[str]:
    """Usernames in a team."""
    team_row = get_team(session, team)
    return list(
        session.scalars(
            select(User.username)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(TeamMember.team_id == team_row.id)
            .order_by(User.username)
        )
    )


# ----------------------------------------------------------------------------- API tokens


@dataclass(frozen=True)
class NewToken:
    """A freshly made token: ``secret`` is shown once and never stored."""

    id: int
    name: str
    scope: str
    secret: str
    expires_at: datetime | None = None


def create_token(
    session: Session,
    actor: Principal,
    username: str,
    name: str,
    scope: str = "read",
    *,
    expires_in_days: int | None = None,
) -> NewToken:
    """Make an API token for ``username`` (themselves, or anyone for an admin); it stops
    working ``expires_in_days`` days from now (None: when revoked)."""
    if actor.username != username:
        _require_admin(actor)
    if scope not in ("read", "write"):
        raise InputError(f"unknown scope {scope!r}; one of read, write", field="scope")
    if not name.strip() or len(name) > 120:
        raise InputError("a token needs a name of at most 120 characters", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InputError(
            f"a token expires after 1 to {MAX_TOKEN_DAYS} days (or never)", field="expires"
        )
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    user = get_user(session, username)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=secret[:12],
        token_hash=_sha256(secret),
        scope=scope,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "token_created",
        username,
        token=row.prefix,
        scope=scope,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return NewToken(id=row.id, name=row.name, scope=scope, secret=secret, expires_at=expires_at)


def list_tokens(session: Session, username: str | None = None) -> list[tuple[ApiToken, str]]:
    """Tokens with their owner's username, newest first."""
    query = (
        select(ApiToken, User.username)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc())
    )
    if username:
        query = query.where(User.username == username)
    return [(token, owner) for token, owner in session.execute(query)]


def revoke_token(session: Session, actor: Principal, token_id: int) -> None:
    """Revoke a token at once (its owner or an admin)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"no token {token_id}")
    owner = session.get(User, row.user_id)
    if owner is None or actor.username != owner.username:
        _require_admin(actor)
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    audit.record(
        session, actor, "token_revoked", owner.username if owner else None, token=row.prefix
    )


def _with_user_and_teams(*columns: Any, user_id: Any) -> Select[*tuple[Any, ...]]:
    """``columns`` beside the user ``user_id`` names and their teams: one row per team, or one
    row with no team (``_principal_of`` reads them)."""
    return (
        select(
            *columns,
            User.id.label("user_id"),
            User.username,
            User.role,
            User.is_active,
            TeamMember.team_id,
        )
        .join(User, User.id == user_id)
        .outerjoin(TeamMember, TeamMember.user_id == User.id)
    )


def _principal_of(rows: Sequence[Any], *, read_only: bool = False) -> Principal:
    """The principal of the rows of a statement built by ``_with_user_and_teams``."""
    found = rows[0]
    return Principal(
        user_id=found.user_id,
        username=found.username,
        role=Role(found.role),
        team_ids=frozenset(row.team_id for row in rows if row.team_id is not None),
        read_only=read_only,
    )


_TOKEN_PRINCIPAL = _with_user_and_teams(
    ApiToken.id,
    ApiToken.scope,
    ApiToken.last_used_at,
    ApiToken.revoked_at,
    ApiToken.expires_at,
    user_id=ApiToken.user_id,
).where(ApiToken.token_hash == bindparam("hash", type_=String))
"""The token, its user and the user's teams (one row per team, or one with no team), in one
round trip: this runs on every API request."""


def principal_for_token(session: Session, secret: str) -> Principal | None:
    """The principal a bearer token stands for, or None when unknown, revoked or inactive."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    rows = session.execute(_TOKEN_PRINCIPAL, {"hash": _sha256(secret)}).all()
    found = rows[0] if rows else None
    if found is None or found.revoked_at is not None or not found.is_active:
        return None
    now = utcnow()
    if found.expires_at is not None and found.expires_at <= now:
        return None
    if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
        _note_use(session, found.id, now)
    return _principal_of(rows, read_only=found.scope != "write")


def _note_use(session: Session, token_id: int, now: datetime) -> None:
    """Record a token's last use, if the database takes it: the time is advisory, and a
    database that cannot be written (read-only, full) or is busy (SQLite: another connection
    wrote since this read) must not fail the request; a later request records it."""
    try:
        with savepoint(session):
            session.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now),
                execution_options=ADVISORY_WRITE,  # the caller may be a reading session
            )
    except DBAPIError as exc:
        if write_refusal(exc) is None and "locked" not in str(exc.orig):
            raise
        logger.debug("token %s: last use not recorded: %s", token_id, exc.orig)


# ----------------------------------------------------------------------------- web sessions


def start_session(session: Session, user: User) -> tuple[str, str]:
    """A new web session for ``user``: (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=_sha256(token),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    return token, csrf


_SESSION_PRINCIPAL = _with_user_and_teams(
    WebSession.expires_at, WebSession.csrf_token, user_id=WebSession.user_id
).where(WebSession.id == bindparam("id", type_=String))
"""A web session, its user and the user's teams in one round trip (every page view)."""


def resolve_session(session: Session, token: str) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of a live session cookie, else None."""
    rows = session.execute(_SESSION_PRINCIPAL, {"id": _sha256(token)}).all()
    if not rows:
        return None
    found = rows[0]
    if found.expires_at <= utcnow() or not found.is_active:
        return None
    return _principal_of(rows), found.csrf_token


def end_session(session: Session, token: str) -> None:
    """Sign a browser out."""
    session.execute(delete(WebSession).where(WebSession.id == _sha256(token)))


def purge_expired_sessions(session: Session, now: datetime | None = None) -> int:
    """Delete expired sessions; returns how many."""
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)


# ----------------------------------------------------------------------------- OIDC


def user_for_identity(
    session: Session,
    issuer: str,
    subject: str,
    *,
    username: str,
    email: str | None,
    display_name: str,
    auto_create: bool,
    default_role: Role = Role.VIEWER,
) -> User | None:
    """The user linked to an OpenID Connect identity, linking or creating one if allowed."""
    user = session.scalars(
        select(User)
        .join(ExternalIdentity, ExternalIdentity.user_id == User.id)
        .where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
    ).one_or_none()
    if user is not None:
        return user if user.is_active else None
    if not auto_create:
        return None
    username = _free_username(session, username or subject)
    user = User(username=username, role=default_role.value, email=email, display_name=display_name)
    session.add(user)
    session.flush()
    session.add(ExternalIdentity(user_id=user.id, issuer=issuer, subject=subject))
    audit.record(session, "oidc", "user_created", username, issuer=issuer, role=default_role.value)
    return user


def _free_username(session: Session, wanted: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._@-]", "-", wanted)[:70].strip("-.") or "user"
    candidate, n = base, 2
    while session.scalar(select(User.id).where(User.username == candidate)):
        candidate, n = f"{base}-{n}", n + 1
    return candidate
