"""Limits on what a YAML or JSON text a user hands us may grow into once parsed.

A few hundred bytes of YAML can name a list nine times, that list nine times, and so on (the
"billion laughs"): the parser keeps one copy of each, but anything that walks the result (copying
it to plain Python, validating it, printing it) visits 9^9 nodes. Thousands of nested brackets
make Python's recursive parsers raise ``RecursionError``. So a parsed document is measured once,
each distinct container once, by the size and depth it has *once its aliases are expanded*, and
refused beyond :data:`MAX_NODES` or :data:`MAX_DEPTH`. See ``docs/hardening.md``.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Deeper than any journey map, mapping file or event property a person writes (a map is ~10 deep).
MAX_DEPTH = 100
#: Nodes after expanding aliases: a large real map has a few thousand.
MAX_NODES = 200_000
#: Bytes of a map, mapping or settings file (a large map is ~100 KB).
MAX_TEXT_BYTES = 10_000_000


class TooLarge(ValueError):
    """A document over one of the limits; ``key`` and ``params`` name it for a message."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(_ENGLISH[key].format(**params))


_ENGLISH = {
    "bounded_too_deep": "nested more than {limit} levels deep",
    "bounded_too_many_nodes": (
        "more than {limit} values once its aliases (*name) are expanded; "
        "a file that repeats aliases of aliases is refused"
    ),
    "bounded_too_big": "larger than {limit} bytes",
}


def check_text_size(text: str | bytes, limit: int = MAX_TEXT_BYTES) -> None:
    if len(text) > limit:
        raise TooLarge("bounded_too_big", limit=limit)


_BLOCK_NESTING = re.compile(r"^(?: |- |\? )+", re.MULTILINE)


def check_bracket_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse a text whose ``[``/``{`` open deeper than ``limit``, before a parser sees it.

    ruamel's scanner does work per open bracket for every token inside it, so 5,000 nested flow
    lists (10 KB) take it many seconds before any depth check could run. Brackets are counted
    everywhere, inside quotes too: a real map never leaves a hundred of them open. Block nesting
    is bounded by the width of a line's indentation and ``- `` markers.
    """
    for line_start in _BLOCK_NESTING.finditer(text):
        # Block nesting: each level takes at least one column of indentation or a "- " marker.
        if len(line_start.group(0)) > 4 * limit:
            raise TooLarge("bounded_too_deep", limit=limit)
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > limit:
                raise TooLarge("bounded_too_deep", limit=limit)
        elif char in "]}" and depth:
            depth -= 1


def check_tree(document: Any, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
    """Refuse ``document`` (dicts, lists, scalars) past ``max_depth`` levels or ``max_nodes`` nodes.

    Each distinct container is measured once (its expanded size and height remembered by
    identity), so the cost follows the text's size, not the size the aliases would expand to. A
    container that contains itself (``&a [*a]``) would expand forever and is refused as too many.
    """
    measured: dict[int, tuple[int, int]] = {}  # id -> (nodes once expanded, levels)
    open_now: set[int] = set()  # containers whose children are being measured: the ancestors
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, dict | list | tuple):
            continue
        ident = id(node)
        if children_done:
            size, height = 1, 0
            for child in _children(node):
                child_size, child_height = measured.get(id(child), (1, 0))
                size += child_size
                height = max(height, child_height)
            if size > max_nodes:
                raise TooLarge("bounded_too_many_nodes", limit=max_nodes)
            if height + 1 > max_depth:
                raise TooLarge("bounded_too_deep", limit=max_depth)
            measured[ident] = (size, height + 1)
            open_now.discard(ident)
            continue
        if ident in measured:
            continue
        if ident in open_now:
            raise TooLarge("bounded_too_many_nodes", limit=max_nodes)
        open_now.add(ident)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def holds_nul(document: Any) -> bool:
    """Whether any text in ``document`` (keys too) holds a NUL character (``"\\0"`` in YAML).

    No map or mapping means one, and engines' SQL literals cannot carry it. Call after
    :func:`check_tree`, which bounds the walk.
    """
    stack, seen = [document], set()
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict | list | tuple) and id(node) not in seen:
            seen.add(id(node))
            stack.extend(_children(node))
    return False


def _children(node: dict | list | tuple) -> list:
    if isinstance(node, dict):
        return [*dict.keys(node), *dict.values(node)]
    return list(node)


def json_loads(text: str | bytes) -> Any:
    """``json.loads`` that answers a too-deep document with a ``json.JSONDecodeError``.

    Raising the decoder's own error type lets every ``except json.JSONDecodeError`` already in place
    treat it as one more malformed text (quarantine a line, refuse a file) instead of crashing.
    """
    try:
        return json.loads(text)
    except RecursionError:
        shown = text if isinstance(text, str) else text.decode("utf-8", "replace")
        raise json.JSONDecodeError("nested too deeply", shown, 0) from None


def yaml_safe_load(text: str) -> Any:
    """Plain data from YAML (settings, mapping files), within the limits above.

    Raises ``ruamel.yaml.YAMLError`` for bad syntax and :class:`TooLarge` past a limit.
    """
    from ruamel.yaml import YAML

    check_text_size(text)
    check_bracket_depth(text)
    try:
        data = YAML(typ="safe").load(text)
    except RecursionError:
        raise TooLarge("bounded_too_deep", limit=MAX_DEPTH) from None
    check_tree(data)
    return data
