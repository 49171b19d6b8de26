"""The words a long prefix stands for in SQLite's FTS5 index, for snippets.

FTS5 indexes prefixes of 2 and 3 letters only (``library.ddl``). A longer one (``proce*``)
makes it merge the doclists of every word with that prefix, and it does that again for each
row a statement asks for by rowid: the snippets of a page's 20 hits would merge them 20 times.
The index's own vocabulary (an ``fts5vocab`` table) says which words the prefix stands for
(``procedur``, ``process``); asked for those words, FTS5 reads one doclist each and seeks
each row directly. FTS5 stems a prefix before it looks it up (``proces*`` is ``proce*``), so
the prefix is first run through the same tokenizer (a one-row FTS5 table in a private
in-memory database of the process). The vocabulary holds stems, which the query's tokenizer stems again: a row the
expression misses gets its snippet the slow way (``Fts5.snippets``).
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from kintsugi.core.db import ADVISORY_WRITE
from kintsugi.library.ddl import FTS_TABLE, SQLITE_TOKENIZE
from kintsugi.library.query import Node, Not, Term

PREFIX_INDEXES = (2, 3)
"""The prefix lengths FTS5 indexes (``prefix='2 3'`` in ``library.ddl``)."""
MAX_WORDS = 64
"""Words a prefix may stand for; beyond that the expression is not worth building."""
VOCABULARY = f"temp.{FTS_TABLE}_terms"
_PROBE: list[sqlite3.Connection] = []
"""A one-row FTS5 table with the index's tokenizer, to tokenize a prefix as the index does
(made on first use: a PostgreSQL deployment never needs it)."""
_PROBE_LOCK = threading.Lock()


def is_long_prefix(term: Term) -> bool:
    """Whether FTS5's prefix indexes miss ``term``'s prefix (a phrase's or a long one)."""
    return term.prefix and (len(term.words) > 1 or len(term.words[-1]) not in PREFIX_INDEXES)


def has_long_prefix(node: Node) -> bool:
    if isinstance(node, Term):
        return is_long_prefix(node)
    if isinstance(node, Not):
        return has_long_prefix(node.child)
    return any(has_long_prefix(child) for child in node.children)


def snippet_expression(session: Session, node: Node) -> str | None:
    """An FTS5 expression for the snippets of ``node``'s matches: the OR of its positive
    terms, each long one-word prefix spelled out as the indexed words it stands for.

    Every document ``node`` matches has one of its positive terms (NOT only narrows), so it
    matches this too, and the same words are highlighted. None when a phrase ends in a prefix
    or a prefix stands for too many words.
    """
    parts: list[str] = []
    for term in _positive_terms(node):
        if not is_long_prefix(term):
            parts.append(f'"{term.text}"' + ("*" if term.prefix else ""))
            continue
        if len(term.words) > 1:
            return None
        words = _words_with_prefix(session, term.words[0])
        if words is None:
            return None
        parts += [f'"{word}"' for word in words]
    return " OR ".join(parts) if parts else None


def _positive_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [term for child in node.children for term in _positive_terms(child)]


def _words_with_prefix(session: Session, prefix: str) -> list[str] | None:
    stemmed = _tokenized(prefix)
    if stemmed is None:
        return None
    # the vocabulary of the session's own index; a virtual table in the connection's temp
    # schema, so nothing is written to the database itself
    session.execute(
        text(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCABULARY} "
            f"USING fts5vocab(main, '{FTS_TABLE}', 'row')"
        ),
        execution_options=ADVISORY_WRITE,
    )
    following = stemmed[:-1] + chr(ord(stemmed[-1]) + 1)
    words = list(
        session.scalars(
            text(f"SELECT term FROM {VOCABULARY} WHERE term >= :low AND term < :high LIMIT :n"),
            {"low": stemmed, "high": following, "n": MAX_WORDS + 1},
        )
    )
    if len(words) > MAX_WORDS or not all(word.isalnum() for word in words):
        return None
    return words


def _tokenized(word: str) -> str | None:
    """``word`` as the index's tokenizer gives it (stemmed); None unless one token."""
    with _PROBE_LOCK:
        if not _PROBE:
            probe = sqlite3.connect(":memory:", check_same_thread=False)
            probe.executescript(
                f"CREATE VIRTUAL TABLE probe USING fts5(word, tokenize='{SQLITE_TOKENIZE}');"
                "CREATE VIRTUAL TABLE probe_terms USING fts5vocab(probe, 'row');"
            )
            _PROBE.append(probe)
        _PROBE[0].execute("DELETE FROM probe")
        _PROBE[0].execute("INSERT INTO probe (word) VALUES (?)", (word,))
        tokens = [row[0] for row in _PROBE[0].execute("SELECT term FROM probe_terms")]
    return tokens[0] if len(tokens) == 1 else None
