"""Query parsing: every input either compiles to a valid engine query or is a clear InputError."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kintsugi.core.errors import InputError
from kintsugi.library.query import And, Not, Or, Term, parse_query, positive_words, to_fts5


def test_words_all_have_to_match() -> None:
    assert parse_query("disk full") == And((Term(("disk",)), Term(("full",))))


def test_phrases_prefixes_and_operators() -> None:
    node = parse_query('"logs not shipped" OR kube* -dns')
    assert node == Or(
        (
            Term(("logs", "not", "shipped")),
            And((Term(("kube",), prefix=True), Not(Term(("dns",))))),
        )
    )
    assert to_fts5(node) == '("logs not shipped" OR (("kube"*) NOT "dns"))'


def test_lower_case_operators_are_ordinary_words() -> None:
    assert parse_query("logs not shipped") == And(
        (Term(("logs",)), Term(("not",)), Term(("shipped",)))
    )


def test_parentheses_group() -> None:
    node = parse_query("(dns OR coredns) AND timeout")
    assert node == And((Or((Term(("dns",)), Term(("coredns",)))), Term(("timeout",))))


def test_punctuation_never_reaches_the_engine() -> None:
    node = parse_query('NEAR(a b) col:value "x" ^start foo-bar')
    assert node is not None
    assert to_fts5(node) == (
        '("near" AND ("a" AND "b") AND "col value" AND "x" AND "start" AND "foo bar")'
    )


def test_blank_query_means_browse() -> None:
    assert parse_query("   ") is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("NOT dns", "NOT only narrows"),
        ("-dns", "NOT only narrows"),
        ("dns OR -coredns", "NOT only narrows"),
        ("dns AND", "needs a search term after it"),
        ("AND dns", "needs a search term before it"),
        ("dns OR", "needs a search term after it"),
        ("(dns", "without a matching ')'"),
        ("dns)", "without a matching '('"),
        ("*** ???", "no words"),
        ("a*", "at least 2 letters"),
        ("x" * 600, "too long"),
        (" ".join(["w"] * 40), "too many words"),
    ],
)
def test_meaningless_queries_say_why(query: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)


def test_highlight_words_leave_out_excluded_ones() -> None:
    assert positive_words(parse_query("cert* NOT dns OR traefik")) == ["cert", "traefik"]


_FTS = sqlite3.connect(":memory:")
_FTS.execute("CREATE VIRTUAL TABLE t USING fts5(a, tokenize='porter unicode61', prefix='2 3')")
_FTS.execute("INSERT INTO t VALUES ('the certificate of the kube dns expired')")


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from([*'ab "()*-:^+.AND OR NOT NEAR', "é", "\x00", "\u200b"]),
        max_size=40,
    )
)
def test_any_input_compiles_to_valid_fts5_or_is_an_input_error(query: str) -> None:
    try:
        node = parse_query(query)
    except InputError:
        return
    if node is None:
        return
    _FTS.execute("SELECT rowid FROM t WHERE t MATCH ?", (to_fts5(node),)).fetchall()
