"""CLI: ``kintsugi metrics [--since --until --team --service --json]``, ``kintsugi metrics
overdue``, ``kintsugi metrics recurring``, ``kintsugi metrics policy`` and
``kintsugi check PM-ID [--json] [--set ITEM=passed|failed|clear --note TEXT]``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from kintsugi.core.cli_support import (
    EXIT_PROBLEMS,
    DbOption,
    JsonOption,
    context,
    err_console,
    handle_errors,
    out_console,
    print_json,
)
from kintsugi.core.errors import ConfigurationError, InputError
from kintsugi.core.types import utcnow
from kintsugi.metrics import checklist as checklists
from kintsugi.metrics.deadlines import incidents_without_postmortem, overdue_postmortems
from kintsugi.metrics.policy import Policy, effective_policy
from kintsugi.metrics.recurring import find_recurrences
from kintsugi.metrics.service import Metric, compute_metrics, make_scope
from kintsugi.people.principal import SYSTEM

metrics_app = typer.Typer(
    name="metrics",
    help="Learning metrics against their targets; overdue post-mortems; recurring incidents.",
    invoke_without_command=True,
)

SinceOption = Annotated[
    str | None, typer.Option("--since", help="From this date (default: 12 months back).")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Up to this date, exclusive (default: now).")
]
TeamOption = Annotated[str | None, typer.Option("--team", help="Only this team's incidents.")]
ServiceOption = Annotated[
    str | None, typer.Option("--service", help="Only incidents naming this service.")
]


def load_policy(session: Session) -> Policy:
    """The effective policy; a bad settings file is a configuration error (exit 2)."""
    try:
        return effective_policy(session)
    except InputError as exc:
        raise ConfigurationError(str(exc)) from None


def _value(metric: Metric) -> str:
    if metric.current is None:
        return "-"
    return f"{metric.current:g} {metric.unit}"


def _target(metric: Metric) -> str:
    if metric.target is None and metric.verdict is not None:
        return f"decreasing trend: {metric.verdict}"
    if metric.target is None:
        return "-"
    sign = ">=" if metric.higher_is_better else "<="
    return f"{sign} {metric.target:g}"


@metrics_app.callback()
@handle_errors
def show(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    team: TeamOption = None,
    service: ServiceOption = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The learning metrics: definition, target, current value and monthly trend."""
    if ctx.invoked_subcommand is not None:
        return
    now = utcnow()
    with context(db).transaction() as session:
        policy = load_policy(session)
        scope = make_scope(now, since=since, until=until, team=team, service=service)
        report = compute_metrics(session, SYSTEM, scope, policy, now=now)
    if json_out:
        print_json(report.to_json())
        return
    table = Table("Metric", "Current", "Target", "Met", "Trend (last 6 months)")
    for metric in report.metrics:
        met = {True: "yes", False: "no", None: "-"}[metric.target_met]
        trend = "  ".join(f"{p[5:]}: {v:g}" for p, v in metric.trend[-6:])
        table.add_row(metric.title, _value(metric), _target(metric), met, trend or "-")
    out_console.print(
        f"{scope.since:%Y-%m-%d} to {scope.until:%Y-%m-%d}"
        + (f", team {escape(scope.team)}" if scope.team else "")
        + (f", service {escape(scope.service)}" if scope.service else "")
        + f"; near misses reported: {report.near_misses}",
        highlight=False,
    )
    out_console.print(table)


@metrics_app.command("overdue")
@handle_errors
def overdue(
    team: TeamOption = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Post-mortems past their deadline (exit 1 when there are any)."""
    now = utcnow()
    with context(db).transaction() as session:
        policy = load_policy(session)
        found = overdue_postmortems(session, SYSTEM, policy.deadlines, now, team=team)
        unwritten = [] if team else incidents_without_postmortem(session, policy.deadlines, now)
    if json_out:
        print_json(
            {
                "as_of": now.isoformat(),
                "overdue": [pm.to_json(now) for pm in found],
                "incidents_without_postmortem": [i.to_json(now) for i in unwritten],
            }
        )
    elif not found and not unwritten:
        out_console.print("no post-mortem is past its deadline")
    else:
        table = Table("Post-mortem", "Severity", "Status", "Due", "Overdue", "Authors")
        for pm in found:
            hours = pm.overdue_by(now).total_seconds() / 3600
            table.add_row(
                escape(pm.id),
                pm.severity or "-",
                pm.status.replace("_", " "),
                f"{pm.deadline:%Y-%m-%d %H:%M} UTC",
                f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} h",
                escape(", ".join(pm.authors)) or "-",
            )
        for incident in unwritten:
            hours = (now - incident.deadline).total_seconds() / 3600
            table.add_row(
                escape(incident.reference),
                incident.severity or "-",
                "no post-mortem",
                f"{incident.deadline:%Y-%m-%d %H:%M} UTC",
                f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} h",
                escape(incident.lead or "-"),
            )
        out_console.print(table)
    if found or unwritten:
        raise typer.Exit(EXIT_PROBLEMS)


@metrics_app.command("recurring")
@handle_errors
def recurring(
    since: SinceOption = None,
    until: UntilOption = None,
    team: TeamOption = None,
    service: ServiceOption = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Pairs of incidents that may be the same problem coming back, to check."""
    now = utcnow()
    with context(db).transaction() as session:
        policy = load_policy(session)
        scope = make_scope(now, since=since, until=until, team=team, service=service)
        result = find_recurrences(session, SYSTEM, scope, policy.recurrence)
    if json_out:
        print_json({"pairs": [p.to_json() for p in result.pairs]})
        return
    if not result.pairs:
        out_console.print("no recurring incidents found")
        return
    table = Table("Incident", "Earlier incident", "Days apart", "Why")
    for pair in result.pairs:
        table.add_row(
            escape(pair.later.id),
            escape(pair.earlier.id),
            f"{pair.days_apart:g}",
            escape(f"{pair.reason}: {pair.detail}"),
        )
    out_console.print(table)


@metrics_app.command("policy")
@handle_errors
def policy_(json_out: JsonOption = False, db: DbOption = None) -> None:
    """The effective policy: defaults, the settings file, then the admin page's values."""
    with context(db).transaction() as session:
        policy = load_policy(session)
    if json_out:
        print_json(policy.model_dump(mode="json"))
        return
    for section, values in policy.model_dump(mode="json").items():
        for name, value in values.items():
            out_console.print(f"{section}.{name} = {value}", highlight=False, markup=False)


@handle_errors
def check(
    id: Annotated[str, typer.Argument(help="Post-mortem id (or a unique prefix).")],
    set_: Annotated[
        str | None,
        typer.Option("--set", help="Record a reviewer's answer: ITEM=passed|failed|clear."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why (with --set).")] = None,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The quality checklist of a post-mortem (exit 1 below the policy's score)."""
    with context(db).transaction() as session:
        policy = load_policy(session)
        if set_ is not None:
            key, sep, answer = set_.partition("=")
            if not sep:
                raise InputError("give --set ITEM=passed, failed or clear", field="--set")
            value = answer.strip().lower()
            checklists.set_answer(
                session,
                id,
                key.strip(),
                None if value == "clear" else value,
                SYSTEM,
                note=note,
            )
        result = checklists.check_document(session, id, SYSTEM, policy)
    if json_out:
        print_json(result.to_json())
    else:
        marks = {"passed": "[green]pass[/green]", "failed": "[red]fail[/red]"}
        for item in result.results:
            mark = marks.get(item.state, "[yellow]review[/yellow]")
            out_console.print(f"{mark}  {escape(item.label)}: {escape(item.why)}")
        out_console.print(
            f"score {result.score:g}% (minimum {result.minimum:g}%): "
            f"{result.count('passed')} passed, {result.count('failed')} failed, "
            f"{result.count('needs_review')} need review",
            highlight=False,
        )
    if result.below_minimum:
        if not json_out:
            err_console.print(
                f"the score is below the minimum of {result.minimum:g}%", highlight=False
            )
        raise typer.Exit(EXIT_PROBLEMS)


def register(app: typer.Typer) -> None:
    """Add ``metrics`` and ``check`` to the root command."""
    app.add_typer(metrics_app, name="metrics")
    app.command("check")(check)
