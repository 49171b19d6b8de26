"""Load and validate the rules data file (rules.yaml) and compile its triggers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kintsugi.core.errors import InputError

SEVERITIES = ("error", "warning")
RULE_IDS_ALL = ("all", "*")
_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class Example:
    """A sentence a rule must flag (``bad``, with its rewrite ``good``) or leave alone."""

    bad: str
    good: str | None = None


@dataclass(frozen=True)
class Trigger:
    """One regular expression of a rule and the check (``kind``) that judges its matches."""

    rule: str
    kind: str
    pattern: str
    regex: re.Pattern[str]
    wake: tuple[str, ...] = ()  # rule words that wake it beyond its pattern's literal words


@dataclass(frozen=True)
class Rule:
    """A documented blameless-language rule."""

    id: str
    title: str
    severity: str
    message: str
    description: str
    examples: tuple[Example, ...]
    ok: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    options: dict[str, Any] = field(default_factory=dict)
    guideline: str = ""  # the handbook section it applies: "policy#no-fault-labels"

    @property
    def guideline_path(self) -> str | None:
        """The site-relative link to the guideline (``/handbook/policy#...``), if any."""
        return f"/handbook/{self.guideline}" if self.guideline else None


@dataclass(frozen=True)
class Lexicon:
    """Word lists the checks use, all lower case except names."""

    roles: frozenset[str]
    ambiguous_roles: frozenset[str]
    software_roles: frozenset[str]
    human_qualifiers: frozenset[str]
    role_qualifiers: frozenset[str]
    individual_pronouns: frozenset[str]
    generic_pronouns: frozenset[str]
    collective: frozenset[str]
    nobody: frozenset[str]
    system_words: frozenset[str]
    tech_names: frozenset[str]
    name_stoplist: frozenset[str]
    extra_given_names: frozenset[str]
    subject_skip: frozenset[str]
    negated_not_fault: frozenset[str]
    action_verbs: frozenset[str]
    irregular_verbs: dict[str, str]


@dataclass(frozen=True)
class RuleSet:
    """All rules, the lexicon, and the prefilter: one compiled regex of the rule words."""

    rules: dict[str, Rule]
    lexicon: Lexicon
    triggers: tuple[Trigger, ...]
    prefilter: re.Pattern[str]
    source: str
    words: tuple[str, ...] = ()
    word_triggers: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        """The rule ``rule_id``; InputError when unknown."""
        try:
            return self.rules[rule_id]
        except KeyError:
            known = ", ".join(self.rules)
            raise InputError(f"unknown rule {rule_id!r}; one of {known}", field="rule") from None

    def anchor_pattern(self) -> str:
        """The rule words as one alternation (the prefilter, and the benchmark's anchor)."""
        return _words_pattern(self.words)

    def triggers_for(self, lowered_words: set[str]) -> list[int]:
        """Indexes of the triggers that the rule words found in a sentence can wake up."""
        found: set[int] = set()
        for word in lowered_words:
            found.update(self.word_triggers.get(word, ()))
        return sorted(found)


def _literal_fragments(pattern: str) -> set[str]:
    """The literal words of a pattern ("forgot", "did", "not" in ``\\bforgot|did\\s+not``).

    A rule word wakes a trigger when one of these starts with it (the text's word starts
    with the rule word), or when it is itself a rule word that the found word starts with
    ("shouldn't" is found as "shouldn" and wakes ``should``).
    """
    plain = re.sub(r"\\[A-Za-z]", " ", pattern.lower()).replace(r"\s", " ")
    return {f.replace(r"\'", "'") for f in re.findall(r"[a-z][a-z'’-]*", plain.replace(" ", "|"))}


def _words_pattern(words: tuple[str, ...]) -> str:
    """``\\b`` then the words as a trie-shaped alternation (much faster than a flat one)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return r"\b" + _trie_pattern(trie)


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _trie_pattern(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def words(text: str) -> frozenset[str]:
    """A set of the whitespace-separated words in ``text`` (for word lists in code)."""
    return frozenset(text.split())


def _yaml_load(text: str) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _fail(message: str, source: str, where: str) -> InputError:
    return InputError(message, file=source, field=where)


def _str(data: dict[str, Any], key: str, source: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{key!r} must be a non-empty string", source, where)
    return value


def _words(data: dict[str, Any], key: str, source: str, *, lower: bool = True) -> frozenset[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(f"{key!r} must be a list of strings", source, f"lexicon.{key}")
    return frozenset(v.lower() if lower else v for v in value)


def _compile(pattern: str, source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, _FLAGS)
    except re.error as exc:
        raise _fail(f"bad regular expression: {exc}", source, where) from None


def _rule(data: Any, index: int, source: str) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(data, dict):
        raise _fail("each rule must be a mapping", source, where)
    rule_id = _str(data, "id", source, where)
    where = f"rules.{rule_id}"
    severity = _str(data, "severity", source, where)
    if severity not in SEVERITIES:
        raise _fail(f"severity must be one of {', '.join(SEVERITIES)}", source, where)
    examples = []
    for item in data.get("examples") or []:
        if not isinstance(item, dict) or not isinstance(item.get("bad"), str):
            raise _fail("each example needs a 'bad' sentence", source, f"{where}.examples")
        good = item.get("good")
        examples.append(Example(item["bad"], good if isinstance(good, str) else None))
    ok = data.get("ok") or []
    if not isinstance(ok, list) or not all(isinstance(v, str) for v in ok):
        raise _fail("'ok' must be a list of sentences", source, f"{where}.ok")
    raw_triggers = data.get("triggers")
    if not isinstance(raw_triggers, list) or not raw_triggers:
        raise _fail("'triggers' must be a non-empty list", source, f"{where}.triggers")
    triggers = []
    for number, item in enumerate(raw_triggers):
        twhere = f"{where}.triggers[{number}]"
        if not isinstance(item, dict):
            raise _fail("each trigger must be a mapping", source, twhere)
        kind = _str(item, "kind", source, twhere)
        pattern = _str(item, "pattern", source, twhere)
        wake = item.get("wake") or []
        if not isinstance(wake, list) or not all(isinstance(w, str) and w for w in wake):
            raise _fail("'wake' must be a list of rule words", source, f"{twhere}.wake")
        regex = _compile(pattern, source, twhere)
        triggers.append(Trigger(rule_id, kind, pattern, regex, tuple(w.lower() for w in wake)))
    guideline = data.get("guideline", "")
    if not isinstance(guideline, str) or (
        guideline and not re.fullmatch(r"[a-z][a-z0-9-]*#[A-Za-z][A-Za-z0-9_-]*", guideline)
    ):
        raise _fail("'guideline' must look like page#anchor", source, f"{where}.guideline")
    known = {
        "id", "title", "severity", "guideline", "message", "description", "examples", "ok",
        "triggers",
    }  # fmt: skip
    return Rule(
        id=rule_id,
        title=_str(data, "title", source, where),
        severity=severity,
        message=_str(data, "message", source, where),
        description=_str(data, "description", source, where),
        examples=tuple(examples),
        ok=tuple(ok),
        triggers=tuple(triggers),
        options={k: v for k, v in data.items() if k not in known},
        guideline=guideline,
    )


def _lexicon(data: Any, source: str) -> Lexicon:
    if not isinstance(data, dict):
        raise _fail("'lexicon' must be a mapping", source, "lexicon")
    irregular = data.get("irregular_verbs")
    if not isinstance(irregular, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in irregular.items()
    ):
        raise _fail("must map verb forms to base verbs", source, "lexicon.irregular_verbs")
    return Lexicon(
        roles=_words(data, "roles", source),
        ambiguous_roles=_words(data, "ambiguous_roles", source),
        software_roles=_words(data, "software_roles", source),
        human_qualifiers=_words(data, "human_qualifiers", source),
        role_qualifiers=_words(data, "role_qualifiers", source),
        individual_pronouns=_words(data, "individual_pronouns", source),
        generic_pronouns=_words(data, "generic_pronouns", source),
        collective=_words(data, "collective", source),
        nobody=_words(data, "nobody", source),
        system_words=_words(data, "system_words", source),
        tech_names=_words(data, "tech_names", source),
        name_stoplist=_words(data, "name_stoplist", source),
        extra_given_names=_words(data, "extra_given_names", source, lower=False),
        subject_skip=_words(data, "subject_skip", source),
        negated_not_fault=_words(data, "negated_not_fault", source),
        action_verbs=_words(data, "action_verbs", source),
        irregular_verbs={k.lower(): v.lower() for k, v in irregular.items()},
    )


def parse_rules(text: str, source: str = "rules.yaml") -> RuleSet:
    """Validate rules data (YAML text) and compile it; InputError names the bad field."""
    try:
        data = _yaml_load(text)
    except Exception as exc:  # yaml.YAMLError, without importing yaml here
        raise InputError(f"not valid YAML: {exc}", file=source) from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise _fail("expected a mapping with 'version: 1'", source, "version")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail("'rules' must be a non-empty list", source, "rules")
    rules: dict[str, Rule] = {}
    for index, item in enumerate(raw_rules):
        rule = _rule(item, index, source)
        if rule.id in rules or rule.id in RULE_IDS_ALL:
            raise _fail(f"duplicate or reserved rule id {rule.id!r}", source, f"rules[{index}]")
        rules[rule.id] = rule
    triggers = tuple(t for rule in rules.values() for t in rule.triggers)
    raw_words = data.get("prefilter_words")
    if not isinstance(raw_words, list) or not all(isinstance(w, str) and w for w in raw_words):
        raise _fail("must be a list of words", source, "prefilter_words")
    words = tuple(dict.fromkeys(w.lower() for w in raw_words))
    word_triggers: dict[str, list[int]] = {w: [] for w in words}
    word_set = set(words)
    longer = {f: [w for w in words if w.startswith(f)] for f in words}
    phrases = {w: w.split() for w in words if " " in w}
    for index, trigger in enumerate(triggers):
        mapped: set[str] = set()
        fragments = _literal_fragments(trigger.pattern)
        # a multi-word rule word ("no one") wakes the triggers that spell all of its words
        mapped.update(w for w, parts in phrases.items() if all(x in fragments for x in parts))
        for fragment in fragments:
            # rule words the fragment starts with, and longer rule words it is the start of
            mapped.update(
                fragment[:n] for n in range(1, len(fragment) + 1) if fragment[:n] in word_set
            )
            mapped.update(longer.get(fragment, ()))
        for word in trigger.wake:
            if word not in word_set:
                raise _fail(
                    f"wake word {word!r} is not one of the prefilter_words",
                    source,
                    f"rules.{trigger.rule}.triggers ({trigger.kind})",
                )
            mapped.add(word)
        if not mapped:
            raise _fail(
                "the pattern contains none of the prefilter_words",
                source,
                f"rules.{trigger.rule}.triggers ({trigger.kind})",
            )
        for word in mapped:
            word_triggers[word].append(index)
    return RuleSet(
        rules=rules,
        lexicon=_lexicon(data.get("lexicon"), source),
        triggers=triggers,
        prefilter=re.compile(_words_pattern(words)),
        source=source,
        words=words,
        word_triggers={w: tuple(sorted(set(ix))) for w, ix in word_triggers.items()},
    )


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules in ``path``, or the ones shipped with Kintsugi."""
    if path is None:
        return default_rules()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path)) from None
    return parse_rules(text, str(path))


@cache
def default_rules() -> RuleSet:
    """The rules shipped in this package (parsed once per process)."""
    text = resources.files("kintsugi.language").joinpath("rules.yaml").read_text("utf-8")
    return parse_rules(text, "kintsugi/language/rules.yaml")
