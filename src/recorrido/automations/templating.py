"""Message texts as Jinja templates: HTML bodies escape every variable, subjects are one line.

The sandboxed environment keeps a template from reaching Python internals through a variable;
undefined variables render empty, so a customer without a first name still gets the message.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2.sandbox import SandboxedEnvironment


@cache
def environment(html: bool = True) -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=html, keep_trailing_newline=True)


def pick(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()))


def render_html(text: str, variables: dict[str, Any]) -> str:
    return environment(True).from_string(text).render(**variables)


def render_line(text: str, variables: dict[str, Any]) -> str:
    """A subject or task title: plain text on one line (no header injection)."""
    rendered = environment(False).from_string(text).render(**variables)
    return " ".join(rendered.split())
