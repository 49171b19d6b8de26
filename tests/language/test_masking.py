"""What the linter reads in Markdown and what it leaves alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kintsugi.language.masking import allowances, front_matter, mask_markdown, mask_plain


def test_code_quotes_html_and_links_are_blanked_and_offsets_kept() -> None:
    text = (
        "---\nauthors: [Alice]\n---\n"
        "Prose stays.\n\n```sh\nrm -rf / # human error\n```\n\n"
        "> The intern forgot, she said.\n\n"
        'Run `forgot --now` and read "human error" or [the docs](http://x/human-error).\n'
        "<!-- a comment about negligence -->\n"
    )
    masked = mask_markdown(text)
    assert len(masked) == len(text)
    assert masked.count("\n") == text.count("\n")
    assert "Prose stays." in masked
    for hidden in ("authors", "rm -rf", "intern", "--now", "human error", "http", "negligence"):
        assert hidden not in masked, hidden
    assert "the docs" in masked


def test_tilde_fences_and_unclosed_fences_hide_the_rest() -> None:
    text = "~~~\nforgot\n~~~\nvisible\n```\nforgot until the end"
    masked = mask_markdown(text)
    assert "forgot" not in masked
    assert "visible" in masked


def test_plain_text_only_hides_quotes() -> None:
    text = 'Keep `this` but not "that one".'
    assert mask_plain(text) == "Keep `this` but not           ."


def test_apostrophes_are_not_quotes() -> None:
    text = "The engineer's laptop didn't sync, and the 'wrong' one was used."
    masked = mask_markdown(text)
    assert "engineer's laptop didn't sync" in masked
    assert "wrong" not in masked


def test_front_matter_is_read_separately() -> None:
    assert front_matter("---\na: 1\nb: 2\n---\nbody") == "a: 1\nb: 2"
    assert front_matter("no front matter") is None


def test_allow_comments_cover_their_line_and_the_next() -> None:
    text = "Intro.\n<!-- kintsugi: allow person-lapse, counterfactual -->\nLine three.\nFour.\n"
    allowed = allowances(text)
    assert allowed.allows("person-lapse", 2)
    assert allowed.allows("counterfactual", 3)
    assert not allowed.allows("person-lapse", 4)
    assert not allowed.allows("fault-label", 3)
    assert not allowed.file_rules


def test_allow_comments_at_the_top_or_allow_file_cover_the_file() -> None:
    top = "---\ntitle: x\n---\n<!-- kintsugi: allow hindsight -->\n\nText.\n"
    assert allowances(top).file_rules == {"hindsight"}
    anywhere = "Text.\n\n<!-- kintsugi: allow-file * -->\n"
    assert allowances(anywhere).allows("fault-label", 99)


@given(st.text(alphabet=st.sampled_from(list("ab `~>\"'\n-#*|[]()<!:/.")), max_size=300))
def test_masking_never_changes_length_or_lines(text: str) -> None:
    masked = mask_markdown(text)
    assert len(masked) == len(text)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"
    ]
