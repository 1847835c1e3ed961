"""The regular expressions a match rule may use: a subset that means the same everywhere.

A rule runs in three regex engines: Python's ``re`` (the reference evaluator, ``rule.matches``),
RE2 (DuckDB) and Java (Spark). They disagree on many details: what ``\\s`` and ``.`` match, where
``$`` matches, nested character classes, possessive quantifiers, lookarounds. Rather than hope,
a user's pattern is read token by token, anything outside the shared subset is refused with a
reason, and the rest is rewritten into one spelling per engine so the three agree:

* ``.`` becomes ``[^\\n]`` (Java's dot also refuses ``\\r`` and Unicode line separators);
* ``^`` becomes ``\\A`` and ``$`` the absolute end (``\\Z`` in Python, ``\\z`` in RE2 and Java),
  because Python and Java let ``$`` match before a final newline and RE2 does not;
* ``\\d`` and ``\\w`` are ASCII in all three (Python is told ``re.ASCII``).

See docs/match-rules.md for the whole list.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

#: RE2 refuses repetition counts above 1000.
MAX_REPEAT = 1000

_PUNCTUATION = frozenset(string.punctuation)
_CLASS_ESCAPES = frozenset("dDwW")
_CONTROL_ESCAPES = frozenset("tnrf")
_HEX = frozenset("0123456789abcdefABCDEF")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
#: Any one character, in a spelling all three engines read alike.
ANY_CHAR = "(?:[^\\n]|\\n)"


class RegexNotSupported(ValueError):
    """A pattern outside the shared subset; ``reason`` is a message key, ``position`` 0-based."""

    def __init__(self, reason: str, position: int, detail: str = "") -> None:
        super().__init__(f"{reason} at {position}: {detail}")
        self.reason = reason
        self.position = position
        self.detail = detail


@dataclass(frozen=True)
class PortableRegex:
    """One user pattern in the spelling of each engine (all search for a match anywhere)."""

    source: str
    python: str
    engine: str  # RE2 (DuckDB) and Java (Spark) accept the same text
    #: PostgreSQL's spelling, only for the fixed patterns spelled alike there (globs, numbers):
    #: its regex dialect reads ``\w`` and classes by locale, so a user's pattern has none.
    postgres: str | None = None

    def compiled(self) -> re.Pattern[str]:
        return _compile(self.python)

    def spelled_for(self, engine: str) -> str | None:
        """The pattern in ``engine``'s spelling; None where it has none (a user's pattern on
        PostgreSQL, whose end of text is spelled differently and whose classes go by locale)."""
        return self.postgres if engine == "postgres" else self.engine


def translate(pattern: str) -> PortableRegex:
    """Check ``pattern`` against the shared subset and spell it for each engine."""
    python: list[str] = []
    engine: list[str] = []
    i = 0
    n = len(pattern)

    def emit(both: str, java: str | None = None) -> None:
        python.append(both)
        engine.append(both if java is None else java)

    while i < n:
        c = pattern[i]
        if ord(c) < 0x20 or c == "\x7f":
            raise RegexNotSupported("regex_control_char", i, repr(c))
        if c == "\\":
            token = _escape(pattern, i)
            emit(token)
            i += len(token)
        elif c == "[":
            end = _character_class(pattern, i)
            emit(pattern[i:end])
            i = end
        elif c == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                raise RegexNotSupported("regex_group_syntax", i, pattern[i : i + 4])
            emit(pattern[i : i + 3] if pattern.startswith("(?:", i) else "(")
            i += 3 if pattern.startswith("(?:", i) else 1
        elif c in "*+?":
            if i + 1 < n and pattern[i + 1] == "+":
                raise RegexNotSupported("regex_possessive", i, pattern[i : i + 2])
            emit(c)
            i += 1
        elif c == "{":
            found = _REPEAT.match(pattern, i)
            if found is None:
                raise RegexNotSupported("regex_brace", i, "{")
            counts = [int(g) for g in (found.group(1), found.group(3)) if g]
            if any(count > MAX_REPEAT for count in counts):
                raise RegexNotSupported("regex_repeat_limit", i, found.group(0))
            end = found.end()
            if end < n and pattern[end] == "+":
                raise RegexNotSupported("regex_possessive", i, pattern[i : end + 1])
            emit(found.group(0))
            i = end
        elif c == "}":
            raise RegexNotSupported("regex_brace", i, "}")
        elif c == ".":
            emit("[^\\n]")
            i += 1
        elif c == "^":
            emit("\\A")
            i += 1
        elif c == "$":
            emit("\\Z", "\\z")
            i += 1
        else:
            emit(c)
            i += 1
    result = PortableRegex(pattern, "".join(python), "".join(engine))
    try:
        result.compiled()
    except re.error as exc:
        raise RegexNotSupported("regex_invalid", exc.pos or 0, exc.msg) from exc
    return result


def glob_regex(glob: str) -> PortableRegex:
    """A glob on names (``*`` any run of characters, ``?`` one character) as a whole-text regex."""
    python = ["\\A"]
    for c in glob:
        if c == "*":
            python.append(ANY_CHAR + "*")
        elif c == "?":
            python.append(ANY_CHAR)
        elif c in _PUNCTUATION:
            python.append("\\" + c)
        else:
            python.append(c)
    body = "".join(python)
    # PostgreSQL reads the Python spelling alike: literals, [^\n] and the anchors \A and \Z.
    return PortableRegex(glob, body + "\\Z", body + "\\z", postgres=body + "\\Z")


def is_glob(name: str) -> bool:
    return "*" in name or "?" in name


def _escape(pattern: str, i: int) -> str:
    """The escape starting at ``pattern[i] == '\\\\'``, if it is in the subset."""
    if i + 1 >= len(pattern):
        raise RegexNotSupported("regex_invalid", i, "trailing backslash")
    c = pattern[i + 1]
    if c in _PUNCTUATION or c in _CLASS_ESCAPES or c in _CONTROL_ESCAPES:
        return pattern[i : i + 2]
    if c == "x" and len(pattern) >= i + 4 and set(pattern[i + 2 : i + 4]) <= _HEX:
        return pattern[i : i + 4]
    raise RegexNotSupported("regex_escape", i, pattern[i : i + 2])


def _character_class(pattern: str, start: int) -> int:
    """The index just past the class opening at ``start``, after checking its contents."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    first = i
    while i < len(pattern):
        c = pattern[i]
        if c == "]":
            if i == first:
                raise RegexNotSupported("regex_class", i, "[]")
            return i + 1
        if ord(c) < 0x20 or c == "\x7f":
            raise RegexNotSupported("regex_control_char", i, repr(c))
        if c == "[":
            raise RegexNotSupported("regex_class", i, "[")
        if pattern.startswith("&&", i):
            raise RegexNotSupported("regex_class", i, "&&")
        if c == "\\":
            i += len(_escape(pattern, i))
            continue
        i += 1
    raise RegexNotSupported("regex_invalid", start, "unterminated character set")


_cache: dict[str, re.Pattern[str]] = {}


def _compile(python_pattern: str) -> re.Pattern[str]:
    found = _cache.get(python_pattern)
    if found is None:
        found = re.compile(python_pattern, re.ASCII)
        if len(_cache) < 4096:
            _cache[python_pattern] = found
    return found
