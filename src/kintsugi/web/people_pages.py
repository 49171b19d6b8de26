"""The administration pages: people, teams and API tokens (admins only).

Each form calls the same service function as its ``kintsugi users|teams|tokens`` command, so
the page and the CLI refuse the same things and write the same audit entries. A refusal
(no admin left, a name taken) is the service's error: a page of its own, or, for the htmx
forms, a message beside the form (static/kintsugi.js). A secret (a temporary password, a
token) is in the answer to the request that made it and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError
from kintsugi.core.types import utcnow
from kintsugi.people import service
from kintsugi.people.permissions import Action, require
from kintsugi.people.principal import Principal, Role
from kintsugi.webkit.deps import CurrentPrincipal, Db
from kintsugi.webkit.templating import templates

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=320)]
EXPIRY_CHOICES = (("30", "30 days"), ("90", "90 days"), ("365", "a year"), ("", "never"))


@dataclass(frozen=True)
class Secret:
    """Something shown once: what it is, for whom, and the value."""

    label: str
    owner: str
    value: str


def _admin(viewer: Principal) -> None:
    require(viewer, Action.MANAGE_PEOPLE)


def _render(
    request: Request, name: str, context: dict[str, Any], *, notice: str = "", secret: Any = None
) -> Response:
    context |= {"notice": notice, "secret": secret, "section": name.rsplit("/", 1)[-1][:-5]}
    return templates.TemplateResponse(request, f"admin/{name}", context)


# ----------------------------------------------------------------------------- people


def _people(request: Request, session: Session, **shown: Any) -> Response:
    users = service.list_users(session)
    return _render(
        request,
        "people.html",
        {
            "users": users,
            "teams_of": service.teams_by_user(session),
            "roles": [r.value for r in Role],
            "admins": sum(1 for u in users if u.role == Role.ADMIN.value and u.is_active),
        },
        **shown,
    )


@router.get("/admin/people", response_class=HTMLResponse)
def people_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """Everyone, their role, teams and last sign-in, with the forms that change them."""
    _admin(viewer)
    with db() as session:
        return _people(request, session)


@router.post("/admin/people", response_class=HTMLResponse)
def create_person(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    username: Annotated[str, Form(max_length=80)],
    role: Annotated[str, Form(max_length=20)] = "viewer",
    display_name: Annotated[str, Form(max_length=200)] = "",
    email: Text = "",
    sign_in: Annotated[str, Form(max_length=20)] = "password",
) -> Response:
    """Add a person; with a password sign-in, a temporary password is shown once."""
    _admin(viewer)
    if sign_in not in ("password", "sso"):
        raise InputError("sign-in is 'password' or 'sso'", field="sign_in")
    username = username.strip()
    with db.begin() as session:
        service.create_user(
            session,
            viewer,
            username,
            role=service.parse_role(role),
            display_name=display_name.strip(),
            email=email.strip() or None,
        )
        temporary = (
            service.reset_password(session, viewer, username) if sign_in == "password" else None
        )
    secret = Secret("Temporary password", username, temporary) if temporary else None
    with db() as session:
        return _people(request, session, notice=f"{username} added as {role}.", secret=secret)


@router.post("/admin/people/{username}/role", response_class=HTMLResponse)
def change_role(
    request: Request,
    username: str,
    db: Db,
    viewer: CurrentPrincipal,
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    """Give a person another role (never the last admin's away)."""
    chosen = service.parse_role(role)
    with db.begin() as session:
        service.set_role(session, viewer, username, chosen)
    with db() as session:
        return _people(request, session, notice=f"{username} is now {chosen.value}.")


@router.post("/admin/people/{username}/active", response_class=HTMLResponse)
def change_active(
    request: Request,
    username: str,
    db: Db,
    viewer: CurrentPrincipal,
    active: Annotated[bool, Form()],
) -> Response:
    """Deactivate (sessions end, tokens stop) or reactivate a person."""
    with db.begin() as session:
        service.set_active(session, viewer, username, active)
    done = "reactivated" if active else "deactivated"
    with db() as session:
        return _people(request, session, notice=f"{username} {done}.")


@router.post("/admin/people/{username}/bot", response_class=HTMLResponse)
def change_bot(
    request: Request,
    username: str,
    db: Db,
    viewer: CurrentPrincipal,
    bot: Annotated[bool, Form()],
) -> Response:
    """Mark a person as a bot or service account (left out of invites), or as a person again."""
    with db.begin() as session:
        service.set_bot(session, viewer, username, bot)
    done = "is marked as a bot" if bot else "is marked as a person"
    with db() as session:
        return _people(request, session, notice=f"{username} {done}.")


@router.post("/admin/people/{username}/reset-password", response_class=HTMLResponse)
def reset_password(request: Request, username: str, db: Db, viewer: CurrentPrincipal) -> Response:
    """A new temporary password, shown once; the person's browsers are signed out."""
    with db.begin() as session:
        temporary = service.reset_password(session, viewer, username)
    with db() as session:
        return _people(
            request,
            session,
            notice=f"The password of {username} was reset.",
            secret=Secret("Temporary password", username, temporary),
        )


# ----------------------------------------------------------------------------- teams


def _teams(request: Request, session: Session, **shown: Any) -> Response:
    teams = [(t.name, service.members(session, t.name)) for t in service.list_teams(session)]
    active = [u.username for u in service.list_users(session) if u.is_active]
    return _render(request, "teams.html", {"teams": teams, "usernames": active}, **shown)


@router.get("/admin/teams", response_class=HTMLResponse)
def teams_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """Teams and their members."""
    _admin(viewer)
    with db() as session:
        return _teams(request, session)


@router.post("/admin/teams", response_class=HTMLResponse)
def create_team(
    request: Request, db: Db, viewer: CurrentPrincipal, name: Annotated[str, Form(max_length=120)]
) -> Response:
    """Add a team."""
    with db.begin() as session:
        team = service.create_team(session, viewer, name)
        created = team.name
    with db() as session:
        return _teams(request, session, notice=f"Team {created} created.")


@router.post("/admin/teams/{team}/rename", response_class=HTMLResponse)
def rename_team(
    request: Request,
    team: str,
    db: Db,
    viewer: CurrentPrincipal,
    name: Annotated[str, Form(max_length=120)],
) -> Response:
    """Give a team another name."""
    with db.begin() as session:
        renamed = service.rename_team(session, viewer, team, name).name
    with db() as session:
        return _teams(request, session, notice=f"Team {team} is now {renamed}.")


@router.post("/admin/teams/{team}/members", response_class=HTMLResponse)
def add_member(
    request: Request,
    team: str,
    db: Db,
    viewer: CurrentPrincipal,
    username: Annotated[str, Form(max_length=80)],
) -> Response:
    """Put a person in the team."""
    with db.begin() as session:
        service.add_member(session, viewer, team, username.strip())
    with db() as session:
        return _teams(request, session, notice=f"{username.strip()} added to {team}.")


@router.post("/admin/teams/{team}/members/{username}/remove", response_class=HTMLResponse)
def remove_member(
    request: Request, team: str, username: str, db: Db, viewer: CurrentPrincipal
) -> Response:
    """Take a person out of the team."""
    with db.begin() as session:
        service.remove_member(session, viewer, team, username)
    with db() as session:
        return _teams(request, session, notice=f"{username} removed from {team}.")


# ----------------------------------------------------------------------------- API tokens


def _tokens(request: Request, session: Session, **shown: Any) -> Response:
    active = [u.username for u in service.list_users(session) if u.is_active]
    return _render(
        request,
        "tokens.html",
        {
            "tokens": service.list_tokens(session),
            "usernames": active,
            "expiries": EXPIRY_CHOICES,
            "now": utcnow(),
        },
        **shown,
    )


def _days(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{value!r} is not a number of days", field="expires") from None


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, db: Db, viewer: CurrentPrincipal) -> Response:
    """Every API token (never its secret): scope, owner, created, last used, expiry."""
    _admin(viewer)
    with db() as session:
        return _tokens(request, session)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    db: Db,
    viewer: CurrentPrincipal,
    username: Annotated[str, Form(max_length=80)],
    name: Annotated[str, Form(max_length=120)],
    scope: Annotated[str, Form(max_length=10)] = "read",
    expires: Annotated[str, Form(max_length=10)] = "90",
) -> Response:
    """Make a token; its secret is in this answer only."""
    _admin(viewer)
    with db.begin() as session:
        made = service.create_token(
            session, viewer, username.strip(), name, scope, expires_in_days=_days(expires)
        )
    with db() as session:
        return _tokens(
            request,
            session,
            notice=f"Token {made.name} ({made.scope}) made for {username.strip()}.",
            secret=Secret("API token", username.strip(), made.secret),
        )


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: int, db: Db, viewer: CurrentPrincipal) -> Response:
    """Revoke a token at once."""
    _admin(viewer)
    with db.begin() as session:
        service.revoke_token(session, viewer, token_id)
    with db() as session:
        return _tokens(request, session, notice=f"Token {token_id} revoked.")
