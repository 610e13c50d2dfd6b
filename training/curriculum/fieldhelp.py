"""Field help texts taken from the format document, docs/curriculum-format.md: one source for both.

The document's YAML examples comment each field (`minutes: 8   # required, estimated reading time (1–120)`);
`FORMAT_HELP` holds those comments by the field's path in the document (`("lessons", "minutes")`), read once
at startup, and `help_text(model, field)` gives the admin a model field's text. A comment continued on the
next line (a line holding only `# …` under it) is joined to it. "required" is left out (the admin marks
required fields itself); a Markdown field (its example value is `md`) says so.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

FORMAT_DOC = Path(settings.BASE_DIR) / "docs" / "curriculum-format.md"

_HEADING = re.compile(r"^#{2,4} (.+)$")
_FIELD = re.compile(
    r"^(?P<indent> *)(?P<dash>- )?(?P<key>[a-z_]+):(?P<value>[^#]*?)(?:\s+#\s?(?P<comment>.*))?$"
)
_CONTINUED = re.compile(r"^ +#\s?(?P<comment>.*)$")

# Model → where its fields are in the document.
SECTIONS: dict[str, tuple[str, ...]] = {
    "course": ("course",),
    "track": ("tracks",),
    "glossaryterm": ("glossary",),
    "source": ("sources",),
    "sourcesection": ("sources", "sections"),
    "reference": ("references",),
    "module": ("modules",),
    "learningobjective": ("modules", "objectives"),
    "lesson": ("lessons",),
    "quiz": ("quizzes",),
    "question": ("questions",),
    "category": ("questions", "categories"),
    "choice": ("questions", "choices"),
    "simulation": ("simulations",),
    "meter": ("simulations", "meters"),
    "node": ("simulations", "nodes"),
    "option": ("simulations", "nodes", "options"),
    "citation": ("citations",),
    "case": ("cases",),
    "capstone": ("capstones",),
}

# Model field → the document's name for it, where they differ.
ALIASES: dict[tuple[str, str], str] = {
    ("node", "is_ending"): "ending",
    ("option", "next_node"): "next",
    ("choice", "correct_position"): "position",
    ("simulation", "start_node"): "start",
    ("lesson", "checks"): "checks",
}


def parse_format_doc(text: str) -> dict[tuple[str, ...], tuple[str, str]]:
    """Every commented field of the document's YAML examples: path → (example value, comment).

    A block that starts with a list item (`- slug: …`) belongs to its heading (`### questions`); a block that
    starts indented continues an earlier one and is skipped. The first comment of a path wins."""
    found: dict[tuple[str, ...], tuple[str, str]] = {}
    heading = ""
    in_block = False
    stack: list[tuple[int, str]] = []  # (column of the key, key)
    root: tuple[str, ...] = ()
    last: tuple[str, ...] | None = None
    skip = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```yaml" and not in_block
            stack, last, skip = [], None, False
            root = ()
            continue
        if not in_block:
            match = _HEADING.match(line)
            if match:
                heading = match.group(1).strip().lower()
            continue
        if skip or not line.strip():
            continue
        continued = _CONTINUED.match(line)
        if continued:
            if last is not None and last in found:
                value, comment = found[last]
                found[last] = (value, f"{comment} {continued.group('comment').strip()}")
            continue
        match = _FIELD.match(line)
        if match is None:
            last = None
            continue
        column = len(match.group("indent")) + (2 if match.group("dash") else 0)
        if not stack and not root:
            if column > 0 and not match.group("dash"):
                skip = True  # an indented excerpt of an earlier block
                continue
            root = (heading,) if match.group("dash") and " " not in heading else ()
        while stack and stack[-1][0] >= column:
            stack.pop()
        path = root + tuple(key for _, key in stack) + (match.group("key"),)
        stack.append((column, match.group("key")))
        comment = match.group("comment")
        if comment is not None and path not in found:
            found[path] = (match.group("value").strip(), comment.strip())
            last = path
        else:
            last = None
    return found


def _as_help(value: str, comment: str) -> str:
    """The comment as a help text: without a leading "required", capitalised, `code` kept."""
    text = re.sub(r"^required\b[,:;]?\s*", "", comment).strip()
    if value == "md":
        text = f"Markdown: {text}" if text else "Markdown."
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", ")", "?")) else text + "."


def _read() -> dict[tuple[str, ...], str]:
    try:
        text = FORMAT_DOC.read_text(encoding="utf-8")
    except OSError:  # an installation without the docs keeps the models' own help texts
        return {}
    texts = {path: _as_help(value, comment) for path, (value, comment) in parse_format_doc(text).items()}
    return {path: text for path, text in texts.items() if text}


FORMAT_HELP: dict[tuple[str, ...], str] = _read()


def doc_help(model_name: str, field_name: str) -> str | None:
    """The document's help text for a model's field as plain text, or None."""
    section = SECTIONS.get(model_name)
    if section is None:
        return None
    name = ALIASES.get((model_name, field_name), field_name)
    return FORMAT_HELP.get(section + (name,))


def help_text(model_name: str, field_name: str) -> SafeString | None:
    """The help text as the admin shows it (Django's admin does not escape help texts): escaped, with the
    document's `code` spans as <code>."""
    text = doc_help(model_name, field_name)
    if text is None:
        return None
    html = format_html("{}", "")
    for index, part in enumerate(text.split("`")):
        html += format_html("<code>{}</code>", part) if index % 2 else format_html("{}", part)
    return html
