"""Rules an analysis must follow (errors) and advice about it (warnings).

Errors stop a save: duplicate ids, a root cause in the middle of a 5 Whys chain, a causal
tree node under a parent that does not exist or under itself, an unknown category, a link to
nothing. Warnings are shown beside the analysis: a chain that ends at a person rather than a
system (the blameless-language linter decides), blameful wording, root causes without a
category, failed barriers without a reason, root causes and failed barriers no action
item addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import TypeAdapter
from pydantic.dataclasses import dataclass as pydantic_dataclass

from kintsugi.core.errors import InputError
from kintsugi.core.wire import EVERY_KEY_WRITTEN
from kintsugi.language.linter import Linter
from kintsugi.rca.model import (
    Analysis,
    Barrier,
    CausalNode,
    Item,
    TargetKind,
    failed_barriers,
    item_text,
    root_causes,
)


def check(analysis: Analysis, categories: set[str]) -> None:
    """Raise InputError (naming the field) at the first rule ``analysis`` breaks."""
    _check_ids(analysis)
    for c, chain in enumerate(analysis.five_whys):
        last = len(chain.steps) - 1
        for s, step in enumerate(chain.steps):
            if step.root_cause and s != last:
                raise InputError(
                    "only the last step of a chain can be its root cause (move the steps "
                    "after it to a new chain)",
                    field=f"five_whys[{c}].steps[{s}].root_cause",
                )
    _check_tree(analysis.causal_tree)
    for path, category in _categories(analysis):
        if category is not None and category not in categories:
            known = ", ".join(sorted(categories))
            raise InputError(f"unknown category {category!r} (known: {known})", field=path)
    targets = analysis.target_kinds()
    for n, link in enumerate(analysis.links):
        if link.target not in targets:
            raise InputError(
                f"no cause, factor or barrier with id {link.target!r}", field=f"links[{n}].target"
            )


def _check_ids(analysis: Analysis) -> None:
    seen: dict[str, str] = {}
    paths = [(f"five_whys[{c}].id", chain.id) for c, chain in enumerate(analysis.five_whys)]
    for c, chain in enumerate(analysis.five_whys):
        paths += [(f"five_whys[{c}].steps[{s}].id", st.id) for s, st in enumerate(chain.steps)]
    for name in ("fishbone", "changes", "factors", "causal_tree", "barriers"):
        paths += [(f"{name}[{n}].id", item.id) for n, item in enumerate(getattr(analysis, name))]
    for path, value in paths:
        if not value:
            continue
        if value in seen:
            raise InputError(f"id {value!r} is already used at {seen[value]}", field=path)
        seen[value] = path


def _check_tree(nodes: list[CausalNode]) -> None:
    parents = {node.id: node.parent for node in nodes}
    for n, node in enumerate(nodes):
        if node.parent is None:
            continue
        if node.parent not in parents:
            raise InputError(
                f"parent {node.parent!r} is not a node of the causal tree",
                field=f"causal_tree[{n}].parent",
            )
        seen = {node.id}
        current: str | None = node.parent
        while current is not None:
            if current in seen:
                raise InputError(
                    f"node {node.id!r} is its own ancestor (the tree has a cycle)",
                    field=f"causal_tree[{n}].parent",
                )
            seen.add(current)
            current = parents.get(current)


def _categories(analysis: Analysis) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for c, chain in enumerate(analysis.five_whys):
        found += [
            (f"five_whys[{c}].steps[{s}].category", st.category) for s, st in enumerate(chain.steps)
        ]
    for name in ("fishbone", "factors", "causal_tree"):
        found += [
            (f"{name}[{n}].category", item.category)
            for n, item in enumerate(getattr(analysis, name))
        ]
    return found


# ----------------------------------------------------------------------------- warnings


@pydantic_dataclass(frozen=True, config=EVERY_KEY_WRITTEN)
class Advice:
    """Advice about one item (``target`` is its id; None for the whole analysis)."""

    rule: str
    message: str
    target: str | None = None
    suggestion: str | None = None


ADVICE_LIST = TypeAdapter(list[Advice])


@dataclass
class LanguageContext:
    """Who the linter should recognise as people, and which names are systems."""

    participants: list[str]
    roster: list[str]
    systems: list[str]


def warnings(
    analysis: Analysis, language: LanguageContext | None, addressed: Iterable[str]
) -> list[Advice]:
    """Advice about ``analysis``; ``addressed`` holds the ids some action item addresses."""
    found: list[Advice] = []
    found += _language_warnings(analysis, language)
    for chain in analysis.five_whys:
        if chain.steps and not chain.steps[-1].root_cause:
            found.append(
                Advice(
                    "chain-without-root-cause",
                    f"the chain “{_short(chain.problem)}” does not mark its last step as a "
                    "root cause",
                    chain.steps[-1].id,
                )
            )
    for _, item in root_causes(analysis):
        if getattr(item, "category", None) is None:
            found.append(
                Advice(
                    "root-cause-without-category",
                    f"root cause “{_short(item_text(item))}” has no category, so it will not "
                    "count towards recurring causes",
                    item.id,
                )
            )
    for factor in analysis.factors:
        if factor.category is None:
            found.append(
                Advice(
                    "factor-without-category",
                    f"factor “{_short(factor.text)}” has no category",
                    factor.id,
                )
            )
    for barrier in failed_barriers(analysis):
        if not barrier.why:
            found.append(
                Advice(
                    "barrier-without-reason",
                    f"barrier “{_short(barrier.name)}” {barrier.state.value}: say why",
                    barrier.id,
                )
            )
    found += [
        Advice("unaddressed", message, item_id)
        for item_id, message in unaddressed_messages(analysis, set(addressed))
    ]
    return found


def unaddressed(analysis: Analysis, addressed: set[str]) -> list[tuple[TargetKind, Item]]:
    """Root causes and failed or missing barriers that no action item addresses."""
    found = [(k, item) for k, item in root_causes(analysis) if item.id not in addressed]
    found += [(TargetKind.BARRIER, b) for b in failed_barriers(analysis) if b.id not in addressed]
    return found


def unaddressed_messages(analysis: Analysis, addressed: set[str]) -> list[tuple[str, str]]:
    """(item id, message) for each root cause or failed barrier without an action item."""
    result = []
    for _, item in unaddressed(analysis, addressed):
        if isinstance(item, Barrier):
            what = f"{item.state.value} barrier “{_short(item.name)}”"
        else:
            what = f"root cause “{_short(item_text(item))}”"
        result.append((item.id, f"no action item addresses the {what}"))
    return result


def _language_warnings(analysis: Analysis, language: LanguageContext | None) -> list[Advice]:
    if language is None:
        return []
    linter = Linter(roster=language.roster)

    def lint(text: str) -> list[tuple[str, str | None]]:
        findings = linter.lint(
            text,
            markdown=False,
            participants=language.participants,
            systems=language.systems,
        )
        return [(f.message, f.suggestion) for f in findings]

    found: list[Advice] = []
    for chain in analysis.five_whys:
        for position, step in enumerate(chain.steps):
            texts = [step.because] + ([step.why] if step.why else [])
            problems = [p for text in texts for p in lint(text)]
            if not problems:
                continue
            message, suggestion = problems[0]
            if position == len(chain.steps) - 1:
                found.append(
                    Advice(
                        "ends-at-person",
                        "this chain ends at a person, not at the system: ask why the system "
                        f"allowed it ({message})",
                        step.id,
                        suggestion,
                    )
                )
            else:
                found.append(Advice("blameful-language", message, step.id, suggestion))
    others: list[Item] = [*analysis.fishbone, *analysis.factors, *analysis.causal_tree]
    others += analysis.barriers
    for item in others:
        texts = [item_text(item)]
        if isinstance(item, Barrier) and item.why:
            texts.append(item.why)
        problems = [p for text in texts for p in lint(text)]
        if problems:
            message, suggestion = problems[0]
            found.append(Advice("blameful-language", message, item.id, suggestion))
    return found


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
