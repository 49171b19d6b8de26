"""``kintsugi users``, ``kintsugi teams`` and ``kintsugi tokens``."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer
from rich.table import Table

from kintsugi.core.cli_support import (
    DbOption,
    JsonOption,
    context,
    err_console,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.people import service
from kintsugi.people.principal import SYSTEM, Role

users_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
teams_app = typer.Typer(help="Teams (for team-visible post-mortems).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for the CLI and integrations.", no_args_is_help=True)


def _read_password(password_stdin: bool, generate: bool) -> tuple[str, bool]:
    """(password, generated?) from stdin, a prompt, or a fresh random one."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if generate or not sys.stdin.isatty():
        return secrets.token_urlsafe(18), True
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password, False


@users_app.command("create")
@handle_errors
def create(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    admin: Annotated[bool, typer.Option("--admin", help="Make this person an admin.")] = False,
    role: Annotated[str, typer.Option("--role", help="viewer, editor, facilitator or admin.")] = (
        "editor"
    ),
    email: Annotated[str | None, typer.Option("--email")] = None,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Single sign-on only; no password.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a person (the first admin: `kintsugi users create NAME --admin`)."""
    chosen = Role.ADMIN if admin else service.parse_role(role)
    password, generated = (None, False) if no_password else _read_password(password_stdin, False)
    ctx = context(db)
    with ctx.transaction() as session:
        service.create_user(
            session,
            SYSTEM,
            username,
            role=chosen,
            password=password,
            display_name=name,
            email=email,
        )
    out_console.print(f"created {username} ({chosen.value})", highlight=False)
    if generated:
        out_console.print(f"password: {password}  (shown once; change it after signing in)")


@users_app.command("list")
@handle_errors
def list_(json_out: JsonOption = False, db: DbOption = None) -> None:
    """List people and their roles."""
    ctx = context(db)
    with ctx.transaction() as session:
        users = [
            {
                "username": u.username,
                "name": u.display_name,
                "email": u.email,
                "role": u.role,
                "active": u.is_active,
                "last_sign_in_at": u.last_sign_in_at.isoformat() if u.last_sign_in_at else None,
            }
            for u in service.list_users(session)
        ]
    if json_out:
        print_json(users)
        return
    table = Table("username", "name", "role", "active", "last sign-in", box=None)
    for u in users:
        table.add_row(
            str(u["username"]),
            str(u["name"]),
            str(u["role"]),
            "yes" if u["active"] else "no",
            str(u["last_sign_in_at"] or "-"),
        )
    out_console.print(table)


@users_app.command("set-role")
@handle_errors
def set_role(username: str, role: str, db: DbOption = None) -> None:
    """Change someone's role."""
    ctx = context(db)
    with ctx.transaction() as session:
        service.set_role(session, SYSTEM, username, service.parse_role(role))
    out_console.print(f"{username} is now {role}")


@users_app.command("set-password")
@handle_errors
def set_password(
    username: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    db: DbOption = None,
) -> None:
    """Set someone's password (signs out their browsers)."""
    password, generated = _read_password(password_stdin, False)
    ctx = context(db)
    with ctx.transaction() as session:
        service.set_password(session, SYSTEM, username, password)
    out_console.print(f"password of {username} changed")
    if generated:
        out_console.print(f"password: {password}  (shown once)")


@users_app.command("deactivate")
@handle_errors
def deactivate(username: str, db: DbOption = None) -> None:
    """Stop someone signing in or using tokens (their history stays)."""
    ctx = context(db)
    with ctx.transaction() as session:
        service.set_active(session, SYSTEM, username, False)
    out_console.print(f"{username} deactivated")


@users_app.command("set-bot")
@handle_errors
def set_bot(
    username: str,
    person: Annotated[bool, typer.Option("--person", help="Mark as a person again.")] = False,
    db: DbOption = None,
) -> None:
    """Mark someone as a bot or service account: left out of meeting invitations and of the
    responders a review waits for."""
    ctx = context(db)
    with ctx.transaction() as session:
        service.set_bot(session, SYSTEM, username, not person)
    out_console.print(f"{username} is {'a person' if person else 'a bot'}")


@users_app.command("reactivate")
@handle_errors
def reactivate(username: str, db: DbOption = None) -> None:
    """Let a deactivated person sign in again."""
    ctx = context(db)
    with ctx.transaction() as session:
        service.set_active(session, SYSTEM, username, True)
    out_console.print(f"{username} reactivated")


@users_app.command("reset-password")
@handle_errors
def reset_password(username: str, db: DbOption = None) -> None:
    """Give someone a temporary password, printed once (signs out their browsers)."""
    ctx = context(db)
    with ctx.transaction() as session:
        temporary = service.reset_password(session, SYSTEM, username)
    out_console.print(f"temporary password of {username}: {temporary}  (shown once)")


@teams_app.command("rename")
@handle_errors
def team_rename(team: str, new_name: str, db: DbOption = None) -> None:
    """Give a team another name."""
    ctx = context(db)
    with ctx.transaction() as session:
        service.rename_team(session, SYSTEM, team, new_name)
    out_console.print(f"team {team} is now {new_name.strip()}", highlight=False)


@teams_app.command("create")
@handle_errors
def team_create(name: str, db: DbOption = None) -> None:
    """Add a team."""
    ctx = context(db)
    with ctx.transaction() as session:
        service.create_team(session, SYSTEM, name)
    out_console.print(f"team {name} created", highlight=False)


@teams_app.command("add")
@handle_errors
def team_add(team: str, usernames: list[str], db: DbOption = None) -> None:
    """Put people in a team."""
    ctx = context(db)
    with ctx.transaction() as session:
        for username in usernames:
            service.add_member(session, SYSTEM, team, username)
    out_console.print(f"{', '.join(usernames)} in {team}", highlight=False)


@teams_app.command("remove")
@handle_errors
def team_remove(team: str, usernames: list[str], db: DbOption = None) -> None:
    """Take people out of a team."""
    ctx = context(db)
    with ctx.transaction() as session:
        for username in usernames:
            service.remove_member(session, SYSTEM, team, username)
    out_console.print(f"removed {', '.join(usernames)} from {team}", highlight=False)


@teams_app.command("list")
@handle_errors
def team_list(json_out: JsonOption = False, db: DbOption = None) -> None:
    """List teams and their members."""
    ctx = context(db)
    with ctx.transaction() as session:
        teams = {t.name: service.members(session, t.name) for t in service.list_teams(session)}
    if json_out:
        print_json(teams)
        return
    for name, names in teams.items():
        out_console.print(f"{name}: {', '.join(names) or '-'}", highlight=False)


@tokens_app.command("create")
@handle_errors
def token_create(
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    scope: Annotated[str, typer.Option("--scope", help="read or write.")] = "read",
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", help="Stop working after N days.")
    ] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Make an API token; the secret is printed once and only its hash is kept."""
    ctx = context(db)
    with ctx.transaction() as session:
        token = service.create_token(
            session, SYSTEM, username, name, scope, expires_in_days=expires_days
        )
    if json_out:
        print_json(
            {
                "id": token.id,
                "name": token.name,
                "scope": token.scope,
                "expires_at": token.expires_at.isoformat() if token.expires_at else None,
                "token": token.secret,
            }
        )
        return
    out_console.print(f"token {token.id} ({token.scope}) for {username}:", highlight=False)
    out_console.print(token.secret, highlight=False)
    err_console.print("store it now: it cannot be shown again")


@tokens_app.command("list")
@handle_errors
def token_list(
    username: Annotated[str | None, typer.Option("--user")] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List tokens (never their secrets)."""
    ctx = context(db)
    with ctx.transaction() as session:
        rows = [
            {
                "id": t.id,
                "user": owner,
                "name": t.name,
                "prefix": t.prefix,
                "scope": t.scope,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                "revoked": t.revoked_at is not None,
            }
            for t, owner in service.list_tokens(session, username)
        ]
    if json_out:
        print_json(rows)
        return
    table = Table("id", "user", "name", "prefix", "scope", "last used", "revoked", box=None)
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["user"]),
            str(r["name"]),
            f"{r['prefix']}…",
            str(r["scope"]),
            str(r["last_used_at"] or "never"),
            "yes" if r["revoked"] else "no",
        )
    out_console.print(table)


@tokens_app.command("revoke")
@handle_errors
def token_revoke(token_id: int, db: DbOption = None) -> None:
    """Revoke a token at once."""
    ctx = context(db)
    with ctx.transaction() as session:
        service.revoke_token(session, SYSTEM, token_id)
    out_console.print(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(teams_app, name="teams")
    app.add_typer(tokens_app, name="tokens")
