"""State in a simulation's text: `{{ trust }}` and `{{ if GUARD }}…{{ else }}…{{ end }}`, nothing else.

    {{ trust }}                                the meter's current value (an integer)
    {{ if press-knows and trust < 30 }}…{{ end }}   the text between only when the guard holds
    {{ if trust >= 60 }}…{{ else }}…{{ end }}       one text or the other

Conditions are guards (training.curriculum.guards): meters, flags, comparisons, and/or/not. Blocks do not nest.
The text around and inside the blocks is the author's Markdown, rendered (and sanitised) after the
substitution as any node text is; the only thing substituted is an integer, so nothing an author writes is
ever evaluated as Python or as a Django template. `check()` is what the loader runs; `render()` never fails
(on text the loader would reject it leaves the text as written).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from training.curriculum.guards import GuardError, parse_guard

__all__ = ["TextError", "check", "names", "render"]

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class TextError(ValueError):
    pass


@dataclass(frozen=True)
class _Value:
    key: str


@dataclass(frozen=True)
class _Block:
    guard: str
    then: str
    otherwise: str


def _parse(text: str) -> list[str | _Value | _Block]:
    parts: list[str | _Value | _Block] = []
    block: list | None = None  # [guard, then, otherwise or None]
    position = 0

    def add(piece: str | _Value) -> None:
        if block is None:
            parts.append(piece)
        elif isinstance(piece, _Value):
            raise TextError(f"`{{{{ {piece.key} }}}}` inside an `if` block: blocks hold text only")
        elif block[2] is None:
            block[1] += piece
        else:
            block[2] += piece

    for match in _TAG.finditer(text):
        add(text[position : match.start()])
        position = match.end()
        inner = match.group(1).strip()
        word = inner.split(None, 1)[0] if inner else ""
        if word == "if":
            if block is not None:
                raise TextError("`{{ if }}` blocks do not nest: close the first with `{{ end }}`")
            condition = inner[2:].strip()
            try:
                parse_guard(condition)
            except GuardError as exc:
                raise TextError(f"the condition `{condition}` does not parse: {exc}") from None
            block = [condition, "", None]
        elif inner == "else":
            if block is None or block[2] is not None:
                raise TextError("`{{ else }}` without an open `{{ if … }}`")
            block[2] = ""
        elif inner == "end":
            if block is None:
                raise TextError("`{{ end }}` without an open `{{ if … }}`")
            parts.append(_Block(block[0], block[1], block[2] or ""))
            block = None
        elif _NAME.match(inner):
            add(_Value(inner))
        else:
            raise TextError(
                f"`{{{{{match.group(1)}}}}}` is not understood: write `{{{{ meter }}}}` or"
                " `{{ if condition }}…{{ end }}`"
            )
    rest = text[position:]
    if "{{" in rest or "}}" in rest:
        raise TextError("`{{` without a matching `}}` (or the other way round)")
    add(rest)
    if block is not None:
        raise TextError("`{{ if … }}` is never closed with `{{ end }}`")
    return parts


def check(text: str, meters: Iterable[str], flags: Iterable[str]) -> list[str]:
    """What is wrong with the text's state syntax, as messages (empty when it is fine)."""
    try:
        parts = _parse(text)
    except TextError as exc:
        return [str(exc)]
    meters, flags = set(meters), set(flags)
    problems = []
    for part in parts:
        if isinstance(part, _Value) and part.key not in meters:
            problems.append(f"`{{{{ {part.key} }}}}` names no meter (meters: {', '.join(sorted(meters))})")
        elif isinstance(part, _Block):
            guard = parse_guard(part.guard)
            for name in sorted(guard.meters - meters):
                problems.append(f"the condition `{part.guard}` names unknown meter `{name}`")
            for name in sorted(guard.flags - flags):
                problems.append(f"the condition `{part.guard}` names unknown flag `{name}`")
    return problems


def names(text: str) -> tuple[set[str], set[str]]:
    """The meters and the flags a (valid) text reads."""
    try:
        parts = _parse(text)
    except TextError:
        return set(), set()
    meters: set[str] = set()
    flags: set[str] = set()
    for part in parts:
        if isinstance(part, _Value):
            meters.add(part.key)
        elif isinstance(part, _Block):
            guard = parse_guard(part.guard)
            meters |= guard.meters
            flags |= guard.flags
    return meters, flags


def render(text: str, meters: Mapping[str, int], flags: Iterable[str]) -> str:
    """The text for this state: values substituted (integers only), blocks resolved."""
    if "{{" not in text:
        return text
    try:
        parts = _parse(text)
    except TextError:
        return text
    flags = frozenset(flags)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, _Value):
            value = meters.get(part.key)
            out.append(str(int(value)) if isinstance(value, int) else "")
        else:
            try:
                holds = parse_guard(part.guard).evaluate(dict(meters), flags)
            except GuardError:
                holds = False
            out.append(part.then if holds else part.otherwise)
    return "".join(out)
