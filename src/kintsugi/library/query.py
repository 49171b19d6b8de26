"""Search queries: parse what a person types, compile it for each engine.

The language: words (all must match), ``"exact phrases"``, ``prefix*``, ``AND``, ``OR``,
``NOT`` (upper case; ``-word`` is ``NOT word``) and parentheses. Words are reduced to letters
and digits before they reach the engine, so no input can produce an engine syntax error;
a query that cannot mean anything raises an InputError that says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, literal_column

from kintsugi.core.errors import InputError

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MIN_PREFIX_CHARS = 2
MAX_DEPTH = 20
"""Deepest nesting of parentheses and NOTs (the parser and the compilers recurse on it)."""

_WORD = re.compile(r"[^\W_]+")
_BARE = re.compile(r'[^\s"()]+')
_OPERATORS = {"AND", "OR", "NOT"}


@dataclass(frozen=True)
class Term:
    """Words that must appear together, in order (one word, or a phrase); ``prefix``: last
    word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or


def words_of(text: str) -> tuple[str, ...]:
    """The searchable words of ``text``: runs of letters and digits, lower-cased."""
    return tuple(w.lower() for w in _WORD.findall(text))


# ----------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Tok:
    kind: str  # word, phrase, lparen, rparen, and, or, not
    value: str = ""


def _tokens(query: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    position = 0
    while position < len(query):
        if query[position].isspace():
            position += 1
            continue
        char = query[position]
        if char == '"':
            end = query.find('"', position + 1)
            end = len(query) if end < 0 else end  # an unclosed quote runs to the end
            phrase = query[position + 1 : end]
            position = end + 1
            star = position < len(query) and query[position] == "*"
            if star:
                position += 1
            tokens.append(_Tok("phrase*" if star else "phrase", phrase))
        elif char == "(":
            tokens.append(_Tok("lparen"))
            position += 1
        elif char == ")":
            tokens.append(_Tok("rparen"))
            position += 1
        elif char == "-" and position + 1 < len(query) and not query[position + 1].isspace():
            tokens.append(_Tok("not", "-"))
            position += 1
        else:
            match = _BARE.match(query, position)
            assert match is not None
            word = match.group(0)
            position = match.end()
            if word in _OPERATORS:
                tokens.append(_Tok(word.lower(), word))
            else:
                tokens.append(_Tok("word", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens = tokens
        self.position = 0
        self.terms = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Tok:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Node | None:
        node = self.or_expr()
        token = self.peek()
        if token is not None:
            if token.kind == "rparen":
                raise InputError("')' without a matching '('", field="q")
            raise InputError(f"unexpected {token.value!r}", field="q")  # pragma: no cover
        return node

    def or_expr(self) -> Node | None:
        children = [self.and_expr("OR")]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            children.append(self.and_expr("OR", after=True))
        present = [c for c in children if c is not None]
        if len(present) <= 1:
            return present[0] if present else None
        return Or(tuple(present))

    def and_expr(self, context: str, *, after: bool = False) -> Node | None:
        children: list[Node | None] = []
        expect_operand = after
        while (token := self.peek()) is not None and token.kind not in ("or", "rparen"):
            if token.kind == "and":
                self.take()
                if not children:
                    raise InputError("AND needs a search term before it", field="q")
                expect_operand = True
                continue
            children.append(self.unary())
            expect_operand = False
        if expect_operand:
            word = "AND" if children else context
            raise InputError(f"{word} needs a search term after it", field="q")
        present = [c for c in children if c is not None]
        if len(present) <= 1:
            return present[0] if present else None
        return And(tuple(present))

    def unary(self) -> Node | None:
        token = self.take()
        if token.kind in ("not", "lparen"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise InputError(
                    f"the query nests too deeply (at most {MAX_DEPTH} levels of parentheses"
                    " and NOTs)",
                    field="q",
                )
            try:
                return self._nested(token)
            finally:
                self.depth -= 1
        return self._leaf(token)

    def _nested(self, token: _Tok) -> Node | None:
        if token.kind == "not":
            if self.peek() is None or self.peek().kind in ("or", "and", "rparen"):  # type: ignore[union-attr]
                raise InputError(
                    f"{'NOT' if token.value == 'NOT' else '-'} needs a search term after it",
                    field="q",
                )
            child = self.unary()
            return Not(child) if child is not None else None
        if token.kind == "lparen":
            inner = self.or_expr()
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise InputError("'(' without a matching ')'", field="q")
            self.take()
            return inner
        raise AssertionError(token.kind)  # pragma: no cover

    def _leaf(self, token: _Tok) -> Node | None:
        if token.kind == "rparen":
            raise InputError("')' without a matching '('", field="q")
        if token.kind in ("phrase", "phrase*"):
            return self.term(token.value, prefix=token.kind == "phrase*")
        prefix = token.value.endswith("*")
        return self.term(token.value.rstrip("*"), prefix=prefix)

    def term(self, text: str, *, prefix: bool) -> Term | None:
        words = words_of(text)
        if not words:
            return None
        self.terms += len(words)
        if self.terms > MAX_TERMS:
            raise InputError(f"too many words in the query (at most {MAX_TERMS})", field="q")
        if prefix and len(words[-1]) < MIN_PREFIX_CHARS:
            raise InputError(
                f"a prefix search needs at least {MIN_PREFIX_CHARS} letters before '*' ({text}*)",
                field="q",
            )
        return Term(words, prefix)


def parse_query(query: str) -> Node | None:
    """The query as a tree; None when it is blank. Raises InputError when it cannot mean
    anything (a dangling operator, unbalanced parentheses, only negated terms...)."""
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"the query is too long (at most {MAX_QUERY_CHARS} characters)", field="q")
    if not query.strip():
        return None
    node = _Parser(_tokens(query)).parse()
    if node is None:
        raise InputError("the query has no words to search for (letters or digits)", field="q")
    _check_positive(node)
    return node


def _check_positive(node: Node) -> None:
    """Every part of the query must match something on its own: NOT only narrows."""
    if isinstance(node, Not):
        raise InputError(
            "NOT only narrows a search: give a term to find too (e.g. 'dns NOT coredns')",
            field="q",
        )
    if isinstance(node, Or):
        for child in node.children:
            _check_positive(child)
    elif isinstance(node, And):
        positives = [c for c in node.children if not isinstance(c, Not)]
        if not positives:
            _check_positive(node.children[0])
        for child in positives:
            _check_positive(child)
        for child in node.children:
            if isinstance(child, Not):
                _check_negated(child.child)


def _check_negated(node: Node) -> None:
    if isinstance(node, Not):
        raise InputError("NOT NOT cancels out: remove both", field="q")
    if isinstance(node, And | Or):
        for child in node.children:
            _check_positive(child)


def positive_words(node: Node | None) -> list[str]:
    """The words the query looks for (not those it excludes), for highlighting."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Term):
        return list(node.words)
    return [w for child in node.children for w in positive_words(child)]


# ----------------------------------------------------------------------------- FTS5


def to_fts5(node: Node) -> str:
    """The query in SQLite FTS5 syntax; every word is quoted, so nothing is an operator."""
    if isinstance(node, Term):
        return f'"{node.text}"' + ("*" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(c) for c in node.children) + ")"
    if isinstance(node, And):
        positives = [c for c in node.children if not isinstance(c, Not)]
        negatives = [c.child for c in node.children if isinstance(c, Not)]
        text = "(" + " AND ".join(to_fts5(c) for c in positives) + ")"
        for negative in negatives:
            text = f"({text} NOT {to_fts5(negative)})"
        return text
    raise AssertionError("a lone NOT is rejected by parse_query")


# ----------------------------------------------------------------------------- PostgreSQL


def to_tsquery(node: Node, config: str = "english") -> ColumnElement[object]:
    """The query as a PostgreSQL tsquery expression, built from functions and bound values."""
    regconfig: ColumnElement[Any] = literal_column(f"'{config}'::regconfig")
    if isinstance(node, Term):
        if node.prefix:
            quoted = " <-> ".join(f"'{w}'" for w in node.words) + ":*"
            return func.to_tsquery(regconfig, bindparam(None, quoted, unique=True))
        text: ColumnElement[str] = bindparam(None, node.text, unique=True)
        if len(node.words) == 1:
            return func.plainto_tsquery(regconfig, text)
        return func.phraseto_tsquery(regconfig, text)
    if isinstance(node, Not):
        return func.tsquery_not(to_tsquery(node.child, config))
    combine = func.tsquery_and if isinstance(node, And) else func.tsquery_or
    parts = [to_tsquery(child, config) for child in node.children]
    expression = parts[0]
    for part in parts[1:]:
        expression = combine(expression, part)
    return expression
