"""The map's YAML file: reading it with positions, and writing it back without losing its comments.

ruamel.yaml's round-trip mode keeps comments, key order and quoting in the document it loads, and
records the line and column of every key and item. The model is validated from a plain copy of the
document; the document itself stays beside the model. Saving copies the model's content back
*into* that document, touching only what changed, so a hand-written map survives a tool's edit.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from recorrido.bounded import (
    MAX_DEPTH,
    TooLarge,
    check_bracket_depth,
    check_text_size,
    check_tree,
    holds_nul,
)

if TYPE_CHECKING:
    from recorrido.journey.model import JourneyMap


@dataclass(frozen=True)
class Style:
    """The indentation a file uses, so a rewrite keeps it."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2


class YamlSyntaxError(ValueError):
    def __init__(self, problem: str, line: int, column: int) -> None:
        super().__init__(f"{problem} (line {line}, column {column})")
        self.problem = problem
        self.line = line
        self.column = column


class YamlTooLarge(YamlSyntaxError):
    """A document past :mod:`recorrido.bounded`'s limits (aliases of aliases, deep nesting, size).

    ``key`` and ``params`` name the limit so the problem can be shown in the reader's language.
    """

    def __init__(self, limit: TooLarge) -> None:
        super().__init__(str(limit), 1, 1)
        self.key = limit.key
        self.params = limit.params


def _yaml(style: Style = Style()) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-fold a long text the author wrote on one line
    yaml.indent(mapping=style.mapping, sequence=style.sequence, offset=style.offset)
    return yaml


def parse(text: str) -> tuple[Any, Style]:
    """The round-trip document of ``text`` and its indentation; :class:`YamlSyntaxError` if bad.

    The document is checked against :mod:`recorrido.bounded`'s limits before anyone walks it:
    ruamel keeps one copy of an aliased node, but copying or validating it expands every alias.
    """
    try:
        check_text_size(text)
        check_bracket_depth(text)
        document = _yaml().load(text)
        check_tree(document)
        if _rule_holds_nul(document):
            raise YamlSyntaxError("character #x0000 (\\0) is not allowed in a match rule", 1, 1)
    except TooLarge as exc:
        raise YamlTooLarge(exc) from None
    except RecursionError:
        raise YamlTooLarge(TooLarge("bounded_too_deep", limit=MAX_DEPTH)) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = str(exc.problem or exc.context or exc)
        opened = exc.context_mark
        if exc.problem and exc.context and opened is not None and opened is not mark:
            # Where the unfinished thing began is usually where the mistake is.
            problem += f" ({exc.context}, line {opened.line + 1}, column {opened.column + 1})"
        raise YamlSyntaxError(problem, line, column) from None
    except ReaderError as exc:  # a character YAML does not allow (a control character, say)
        before = text[: exc.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        problem = f"character #x{exc.character:04x} is not allowed in YAML"
        raise YamlSyntaxError(problem, line, column) from None
    except YAMLError as exc:  # any other refusal of the YAML layer: its words, at the start
        raise YamlSyntaxError(str(exc).splitlines()[0] if str(exc) else "invalid", 1, 1) from None
    return document, guess_style(text)


#: Keys whose values are match rules, compiled into the engines' SQL (whose text cannot hold NUL).
_RULE_KEYS = ("match", "rule", "goal")


def _rule_holds_nul(document: Any) -> bool:
    stack, seen = [document], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if any(key in node and holds_nul(node[key]) for key in _RULE_KEYS):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


_BLOCK_KEY = re.compile(r"^( *)[^\s#-][^#]*:\s*(#.*)?$")


def guess_style(text: str) -> Style:
    """The indentation of nested mappings and of ``-`` under a key, from the first examples."""
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    mapping = offset = None
    for above, below in itertools.pairwise(lines):
        key = _BLOCK_KEY.match(above)
        if key is None:
            continue
        step = len(below) - len(below.lstrip(" ")) - len(key.group(1))
        if below.lstrip().startswith("- "):
            offset = step if offset is None and step >= 0 else offset
        elif mapping is None and step > 0:
            mapping = step
        if mapping is not None and offset is not None:
            break
    mapping = mapping or 2
    offset = offset if offset is not None else 2
    return Style(mapping=mapping, sequence=offset + 2, offset=offset)


def plain(node: Any) -> Any:
    """A copy of a round-trip node made of dict, list, str, int, float, bool and None."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node  # dates and other YAML types: left for the model to refuse with its path


# -- positions ---------------------------------------------------------------------------------


def locate(
    document: Any, path: Iterable[str | int], *, at_key: bool = False
) -> tuple[list, int, int]:
    """How far ``path`` exists in the document, and the 1-based line and column it reaches.

    The position is that of the last element found: its value, or its key when ``at_key``.
    Where the path leaves the document (a missing key), the position is the last node found.
    """
    node = document
    found: list[str | int] = []
    line, column = _start(document)
    steps = list(path)
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        if isinstance(node, CommentedMap) and isinstance(step, str) and step in node:
            try:
                # An empty value has no position of its own: ruamel gives the next token's.
                by_key = (at_key and last) or node[step] is None
                pos = node.lc.key(step) if by_key else node.lc.value(step)
            except (KeyError, TypeError):
                pos = (node.lc.line, node.lc.col)
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            try:
                pos = node.lc.item(step)
            except (KeyError, TypeError, IndexError):
                pos = (node.lc.line, node.lc.col)
            node = node[step]
        else:
            break
        found.append(step)
        if pos is not None and pos[0] is not None:
            line, column = pos[0] + 1, pos[1] + 1
    return found, line, column


def _start(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return 1, 1
    return lc.line + 1, lc.col + 1


def format_path(path: Iterable[str | int]) -> str:
    """``stages[2].touchpoints[0].match`` for ``('stages', 2, 'touchpoints', 0, 'match')``."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else step
    return text


# -- writing -----------------------------------------------------------------------------------


def content(journey: JourneyMap) -> dict:
    """What the map holds, as the YAML should say it: fields given or set, never bare defaults."""
    return journey.model_dump(by_alias=True, exclude_unset=True, exclude_none=True)


def dump_map(journey: JourneyMap) -> str:
    document = journey._document
    style = journey._style or Style()
    new = content(journey)
    document = sync(document, new) if isinstance(document, CommentedMap) else to_node(new)
    journey._document, journey._style = document, style
    stream = io.StringIO()
    _yaml(style).dump(document, stream)
    return stream.getvalue()


def to_node(value: Any) -> Any:
    if isinstance(value, dict):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = to_node(v)
        return node
    if isinstance(value, list):
        return CommentedSeq(to_node(v) for v in value)
    if isinstance(value, str) and any(c in value for c in _LINE_BREAKS):
        # ruamel can write these unquoted or single-quoted, where YAML reads them as line breaks.
        return DoubleQuotedScalarString(value)
    return value


_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def sync(old: Any, new: Any) -> Any:
    """``old`` changed in place to hold ``new`` where their shapes agree; else a new node."""
    if _same(old, new):
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        previous = None
        for key, value in new.items():
            if key in old:
                old[key] = sync(old[key], value)
            else:
                # A new key goes after its neighbour in the model's order, wherever that is.
                at = list(old).index(previous) + 1 if previous is not None else 0
                old.insert(at, key, to_node(value))
            previous = key
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        if _by_id(old, new):
            return _sync_by_id(old, new)
        for index, value in enumerate(new):
            if index < len(old):
                old[index] = sync(old[index], value)
            else:
                old.append(to_node(value))
        del old[len(new) :]
        return old
    return to_node(new)


def _by_id(old: list, new: list) -> bool:
    """Whether both lists hold mappings with distinct ids (stages, touchpoints, personas...)."""
    lists = (old, new)
    if not all(all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in x) for x in lists):
        return False
    return all(len({i["id"] for i in x}) == len(x) for x in lists)


def _sync_by_id(old: CommentedSeq, new: list[dict]) -> CommentedSeq:
    """Items follow their id, so a stage moved or removed takes its comments and layout along."""
    wanted = [value["id"] for value in new]
    for index in reversed(range(len(old))):
        if old[index]["id"] not in wanted:
            del old[index]
    for index, value in enumerate(new):
        ids = [item["id"] for item in old]
        if value["id"] in ids:
            found = ids.index(value["id"])
            if found != index:
                node = old[found]
                del old[found]
                old.insert(index, node)
            old[index] = sync(old[index], value)
        else:
            old.insert(index, to_node(value))
    return old


def _same(old: Any, new: Any) -> bool:
    """Same content (the file may say one name where the model keeps a list of one)."""
    if isinstance(old, dict | list) or isinstance(new, dict):
        return False
    if isinstance(new, list):
        return len(new) == 1 and _same(old, new[0])
    old = plain(old)
    return type(old) is type(new) and old == new
