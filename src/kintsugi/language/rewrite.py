"""System-focused rewrites: turn a blameful sentence into one about the system.

Each helper builds a suggested sentence from the pieces a check found (the verb, its
object, the rest of the clause). When only advice fits, ``Suggestion.fixable`` is False and
``--fix``/the editor button leave the sentence alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kintsugi.language.rules import Lexicon, words

_DOUBLING = words(
    """
    run stop drop ship tag commit skip plan map log scan submit omit set put hit shut
    get cut let begin forget swap wrap trim pin grep chat plug dig
    """
)
_E_STEMS = (
    "at",
    "ut",
    "ur",
    "iz",
    "is",
    "ag",
    "ov",
    "uc",
    "ic",
    "rg",
    "ng",
    "ms",
    "rc",
    "us",
    "id",
    "od",
    "ak",
    "ap",
    "yp",
    "ib",
    "in",
    "dg",
    "it",
    "ir",
    "ar",
    "as",
    "ud",
    "ud",
    "av",
)
_KNOWN_BASES = words(
    """
    deploy push check review test verify validate notice realise realize see spot catch
    detect know understand follow read confirm inspect look escalate respond acknowledge
    answer react delete remove restart reboot kill update upgrade configure enter type
    copy release roll target drop terminate migrate connect install point approve revert
    tag patch promote scale drain cordon execute launch trigger open close send assign
    provision wipe truncate flush purge rename move click log access specify pass supply
    put hit build ship commit create disable enable merge apply edit modify change
    select pick choose use run rotate renew monitor raise declare notify page alert ask
    tell communicate document announce stop start wait investigate identify report
    rollback miss ignore misconfigure mistype misread misjudge mishandle misinterpret
    misclick misuse overlook neglect forget remember double-check re-run rerun backup
    back restore reply reach
    """
)
_NOUNS = {
    "deploy": "deployment",
    "release": "release",
    "merge": "merge",
    "push": "release",
    "ship": "release",
    "roll": "rollout",
    "approve": "approval",
    "apply": "change",
    "change": "change",
    "configure": "configuration",
    "migrate": "migration",
    "upgrade": "upgrade",
    "update": "update",
    "select": "selection",
    "pick": "selection",
    "choose": "selection",
    "tag": "tagging",
    "promote": "promotion",
    "provision": "provisioning",
    "install": "installation",
    "commit": "review",
    "review": "review",
}
_CLAUSE_END = re.compile(
    r"\s*(?:[,;:(—–]|\s-\s|\b(?:because|since|as|while|when|so|and|but|which|although|though|"
    r"despite|resulting|causing|leading)\b)",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[\s.!?*_]+$")
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Suggestion:
    """A suggested sentence; ``fixable`` when it can replace the original as is."""

    text: str
    fixable: bool = True


def base_verb(word: str, lexicon: Lexicon) -> str:
    """The base form of a verb ("deployed" -> "deploy", "ran" -> "run")."""
    lower = word.lower()
    if lower in lexicon.irregular_verbs:
        return lexicon.irregular_verbs[lower]
    if lower in _KNOWN_BASES:
        return lower
    for suffix in ("ed", "es", "s", "ing"):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem = lower[: -len(suffix)]
            if suffix in ("ed", "es") and stem.endswith("i"):
                return stem[:-1] + "y"
            for candidate in (stem, stem + "e", stem[:-1]):
                if candidate in _KNOWN_BASES:
                    return candidate
            if suffix == "ed":
                if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsfz":
                    return stem[:-1]
                if stem.endswith(_E_STEMS) or stem[-1] in "cgvzu":
                    return stem + "e"
                return stem
            if suffix == "s" and stem.endswith(("sse", "she", "che", "xe")):
                return stem
            if suffix == "ing":
                return stem + "e" if stem.endswith(_E_STEMS) else stem
            return stem if suffix != "es" else stem + "e" if stem[-1] in "cgvzu" else stem
    return lower


def gerund(base: str) -> str:
    """The -ing form of a base verb ("deploy" -> "deploying", "run" -> "running")."""
    if "-" in base and not base.startswith("double"):
        return base
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and len(base) > 2:
        return base[:-1] + "ing"
    if base in _DOUBLING:
        return base + base[-1] + "ing"
    return base + "ing"


def process_noun(base: str) -> str | None:
    """The process a verb belongs to ("deploy" -> "deployment")."""
    return _NOUNS.get(base)


def clause_rest(text: str) -> str:
    """``text`` up to the end of its clause, without trailing punctuation."""
    match = _CLAUSE_END.search(text)
    rest = text[: match.start()] if match else text
    return _TRAILING.sub("", rest).strip()


def sentence_rest(text: str) -> str:
    """``text`` without trailing punctuation and Markdown emphasis."""
    return _TRAILING.sub("", text).strip()


def capitalise(text: str) -> str:
    """``text`` with its first letter upper case."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def lower_first(text: str) -> str:
    """``text`` with its first letter lower case, unless it starts an acronym or a name."""
    if len(text) > 1 and text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def tidy(text: str) -> str:
    """One space between words, a capital at the start and a full stop at the end."""
    text = _SPACES.sub(" ", text).strip()
    text = re.sub(r"\s+([,.;:?!])", r"\1", text)
    text = capitalise(text)
    if text and text[-1] not in ".?!":
        text += "."
    return text


def plural(phrase: str) -> bool:
    """A rough guess whether a noun phrase is plural ("the changes" yes, "the process" no)."""
    last = phrase.strip().split(" ")[-1].lower() if phrase.strip() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is")) and last not in {"this"}


def replace_span(sentence: str, start: int, end: int, replacement: str) -> str:
    """``sentence`` with ``[start, end)`` replaced and spacing and articles fixed."""
    before, after = sentence[:start], sentence[end:]
    if replacement == "":
        before, after = before.rstrip(" "), after.lstrip(" ")
        if before and after and after[:1].isalnum():
            after = " " + after
    else:
        article = re.search(r"\b([Aa]n?)\s+$", before)
        if article:
            if replacement.lower().startswith(("a ", "an ", "the ")):
                before = before[: article.start()]
            else:
                wanted = "an" if replacement[:1].lower() in "aeiou" else "a"
                if article.group(1).lower() != wanted:
                    wanted = wanted.capitalize() if article.group(1)[0].isupper() else wanted
                    before = before[: article.start(1)] + wanted + before[article.end(1) :]
    text = before + replacement + after
    text = _SPACES.sub(" ", text).strip()
    return capitalise(text) if sentence[:1].isupper() else text
