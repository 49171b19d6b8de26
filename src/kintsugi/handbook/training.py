"""The facilitator self-check: questions from training.yaml, graded on the server, results per
person, and who counts as a trained facilitator.

A *completion* is a passed self-check; a person counts once, in the month of their first pass.

Feedback teaches without handing out the key: a passed attempt shows every question's best
answer and its explanation; an attempt not passed yet marks each answer right or wrong, explains
the right ones, and points the wrong ones to their guide, so a first attempt (or an empty one)
does not reveal the answers to the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any

import yaml
from pydantic import Field, TypeAdapter, computed_field
from pydantic.dataclasses import dataclass as pydantic_dataclass
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from kintsugi.core.errors import InputError, PermissionDeniedError
from kintsugi.core.types import utcnow
from kintsugi.core.wire import IsoDatetime
from kintsugi.handbook.models import TrainingResultRow
from kintsugi.people.principal import Principal, Role
from kintsugi.people.service import usernames_by_id
from kintsugi.people.users import active_usernames_by_id, ids_by_username

KINDS = ("choice", "scenario")
SOURCE = "kintsugi/handbook/training.yaml"


@dataclass(frozen=True)
class Question:
    """One question: its options, the index of the right one, and why (the answer, its
    explanation and guide stay off the wire)."""

    id: str
    kind: str
    topic: str
    prompt: str
    options: tuple[str, ...]
    correct: Annotated[int, Field(exclude=True)]
    explanation: Annotated[str, Field(exclude=True)]
    guide: Annotated[str | None, Field(exclude=True)]

    def to_json(self) -> dict[str, Any]:
        """The question as a person taking the check sees it (without the answer)."""
        wire: dict[str, Any] = _QUESTION.dump_python(self, mode="json")
        return wire


_QUESTION = TypeAdapter(Question)


@dataclass(frozen=True)
class SelfCheck:
    """The whole self-check (its wire shape: the API's questions come without answers)."""

    pass_mark: float
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Answer:
    """One graded answer as an attempt's JSON shows it (``Marked.shown``)."""

    id: str
    answer: int | None
    correct: bool
    correct_answer: Annotated[
        int | None,
        Field(description="The best option: after a passed attempt, or for a right answer"),
    ]
    explanation: str | None
    guide: str | None


_ANSWER = TypeAdapter(Answer)


@dataclass(frozen=True)
class Marked:
    """One graded answer."""

    question: Question
    answer: int | None
    correct: bool

    def revealed(self, passed: bool) -> bool:
        """Whether the best answer and its explanation are shown (see the module)."""
        return passed or self.correct

    def shown(self, passed: bool) -> Answer:
        """This answer as an attempt that ``passed`` (or not) shows it."""
        revealed = self.revealed(passed)
        question = self.question
        return Answer(
            question.id,
            self.answer,
            self.correct,
            question.correct if revealed else None,
            question.explanation if revealed else None,
            f"/handbook/{question.guide}" if question.guide else None,
        )

    def to_json(self, *, passed: bool) -> dict[str, Any]:
        wire: dict[str, Any] = _ANSWER.dump_python(self.shown(passed), mode="json")
        return wire


@pydantic_dataclass(frozen=True)
class Result:
    """A graded attempt. A pydantic dataclass (built once per attempt or listed result) so that
    ``answers``, derived from ``marked`` and ``passed``, is a computed field of its wire shape."""

    username: str
    score: int
    total: int
    passed: bool
    completed_at: IsoDatetime
    marked: Annotated[tuple[Marked, ...], Field(exclude=True)] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def answers(self) -> list[Answer]:
        """Each answer as this attempt shows it (the web page reads ``marked`` itself)."""
        return [m.shown(self.passed) for m in self.marked]

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _RESULT.dump_python(self, mode="json")
        return wire


_RESULT = TypeAdapter(Result)


def _fail(message: str, field: str, source: str) -> InputError:
    return InputError(message, file=source, field=field)


def parse_self_check(text: str, source: str = SOURCE) -> SelfCheck:
    """Validate the questions (YAML); InputError names the bad field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=source) from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise _fail("expected a mapping with 'version: 1'", "version", source)
    mark = data.get("pass_mark", 0.8)
    if not isinstance(mark, int | float) or not 0 < mark <= 1:
        raise _fail("must be a number above 0 and at most 1", "pass_mark", source)
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise _fail("must be a non-empty list", "questions", source)
    questions: list[Question] = []
    for index, item in enumerate(raw):
        where = f"questions[{index}]"
        if not isinstance(item, dict):
            raise _fail("each question must be a mapping", where, source)
        for key in ("id", "kind", "topic", "prompt", "explanation"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise _fail(f"{key!r} must be a non-empty string", where, source)
        where = f"questions.{item['id']}"
        if item["kind"] not in KINDS:
            raise _fail(f"kind must be one of {', '.join(KINDS)}", where, source)
        options = item.get("options")
        if not isinstance(options, list) or len(options) < 2:
            raise _fail("'options' must list at least two options", where, source)
        texts = []
        correct = []
        for number, option in enumerate(options):
            if not isinstance(option, dict) or not isinstance(option.get("text"), str):
                raise _fail("each option needs a 'text'", f"{where}.options[{number}]", source)
            texts.append(option["text"].strip())
            if option.get("correct") is True:
                correct.append(number)
        if len(correct) != 1:
            raise _fail("exactly one option must be 'correct: true'", where, source)
        if any(q.id == item["id"] for q in questions):
            raise _fail("duplicate question id", where, source)
        guide = item.get("guide")
        questions.append(
            Question(
                id=item["id"],
                kind=item["kind"],
                topic=item["topic"],
                prompt=item["prompt"].strip(),
                options=tuple(texts),
                correct=correct[0],
                explanation=item["explanation"].strip(),
                guide=guide if isinstance(guide, str) and guide else None,
            )
        )
    return SelfCheck(float(mark), tuple(questions))


@cache
def self_check() -> SelfCheck:
    """The self-check shipped with Kintsugi."""
    text = resources.files("kintsugi.handbook").joinpath("training.yaml").read_text("utf-8")
    return parse_self_check(text)


def grade(
    answers: Mapping[str, int | None], check: SelfCheck | None = None
) -> tuple[int, list[Marked]]:
    """Mark ``answers`` (question id -> option index); unanswered questions are wrong."""
    check = check or self_check()
    unknown = [key for key in answers if check.question(key) is None]
    if unknown:
        raise InputError(f"unknown question(s): {', '.join(sorted(unknown))}", field="answers")
    marked = []
    for question in check.questions:
        answer = answers.get(question.id)
        if answer is not None and not 0 <= answer < len(question.options):
            raise InputError(
                f"question {question.id!r} has options 0-{len(question.options) - 1}",
                field=f"answers.{question.id}",
            )
        marked.append(Marked(question, answer, answer == question.correct))
    return sum(m.correct for m in marked), marked


def submit(
    session: Session,
    actor: Principal,
    answers: Mapping[str, int | None],
    *,
    now: datetime | None = None,
) -> Result:
    """Grade an attempt and record it for ``actor`` (a signed-in person who may write)."""
    if actor.user_id is None:
        raise PermissionDeniedError("sign in as a person to record a self-check")
    if actor.read_only:
        raise PermissionDeniedError("recording a self-check needs a write-scope token")
    check = self_check()
    score, marked = grade(answers, check)
    total = len(check.questions)
    passed = score >= check.pass_mark * total
    when = now or utcnow()
    session.execute(
        insert(TrainingResultRow).values(
            user_id=actor.user_id,
            score=score,
            total=total,
            passed=passed,
            answers={m.question.id: m.answer for m in marked},
            completed_at=when,
        )
    )
    return Result(actor.username, score, total, passed, when, tuple(marked))


def results(session: Session, viewer: Principal, *, username: str | None = None) -> list[Result]:
    """Attempts, newest first: a person's own, or anyone's for facilitators and admins."""
    query = select(TrainingResultRow).order_by(
        TrainingResultRow.completed_at.desc(), TrainingResultRow.id.desc()
    )
    if not viewer.has_role(Role.FACILITATOR):
        if username is not None and username != viewer.username:
            raise PermissionDeniedError("you can see only your own self-check results")
        query = query.where(TrainingResultRow.user_id == viewer.user_id)
    elif username is not None:
        user_id = ids_by_username(session, [username]).get(username)
        if user_id is None:
            return []
        query = query.where(TrainingResultRow.user_id == user_id)
    rows = list(session.scalars(query))
    names = usernames_by_id(session, {row.user_id for row in rows})
    return [
        Result(names[row.user_id], row.score, row.total, row.passed, row.completed_at)
        for row in rows
        if row.user_id in names
    ]


def trained_facilitators(session: Session) -> list[str]:
    """Usernames of active people who have passed the self-check, alphabetically."""
    passed = session.scalars(
        select(TrainingResultRow.user_id).where(TrainingResultRow.passed.is_(True)).distinct()
    )
    return sorted(active_usernames_by_id(session, passed).values())


def completions_by_month(
    session: Session, *, since: datetime, until: datetime
) -> list[tuple[str, int]]:
    """People completing the self-check per month (``YYYY-MM``), by the month of their first
    pass, for first passes in ``[since, until)``; months without any are left out."""
    first = (
        select(func.min(TrainingResultRow.completed_at).label("at"))
        .where(TrainingResultRow.passed.is_(True))
        .group_by(TrainingResultRow.user_id)
        .subquery()
    )
    counts: dict[str, int] = {}
    for (at,) in session.execute(select(first.c.at)):
        when = _aware(at)
        if since <= when < until:
            key = when.strftime("%Y-%m")
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items())


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class TrainingStatus:
    """A summary: people who attempted, passed, and the trained facilitators."""

    questions: int
    pass_mark: float
    attempts: int
    people: int
    trained: int
    trained_facilitators: list[str]

    def to_json(self) -> dict[str, Any]:
        wire: dict[str, Any] = _STATUS.dump_python(self, mode="json")
        return wire


_STATUS = TypeAdapter(TrainingStatus)


def status(session: Session) -> TrainingStatus:
    """A summary: people who attempted, passed, and the trained facilitators."""
    attempts = int(session.scalar(select(func.count(TrainingResultRow.id))) or 0)
    people = int(session.scalar(select(func.count(func.distinct(TrainingResultRow.user_id)))) or 0)
    trained = trained_facilitators(session)
    check = self_check()
    return TrainingStatus(
        questions=len(check.questions),
        pass_mark=check.pass_mark,
        attempts=attempts,
        people=people,
        trained=len(trained),
        trained_facilitators=trained,
    )
