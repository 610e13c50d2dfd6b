"""Checks on the Markdown that authors write: no raw HTML, and `[[glossary]]` links.

Rendering to HTML lives elsewhere; these helpers are pure functions of the text so the curriculum loader,
the linter and the admin can share them.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_HTML = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_GLOSSARY_LINK = re.compile(r"\[\[([^\[\]|]*?)(?:\|([^\[\]]*?))?\]\]")


def _without_code(text: str) -> str:
    """The text with fenced code blocks and inline code spans blanked out (they may show HTML)."""
    text = _FENCE.sub(lambda m: " " * len(m.group(0)), text)
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def check_markdown(text: str) -> list[str]:
    """Problems with a Markdown text: raw HTML tags or comments outside code."""
    problems = []
    for match in _HTML.finditer(_without_code(text)):
        snippet = match.group(0)
        if len(snippet) > 40:
            snippet = snippet[:37] + "..."
        problems.append(
            f"raw HTML is not allowed in Markdown: {snippet} (write Markdown, or put it in `code`)"
        )
    return problems


def glossary_links(text: str) -> list[tuple[str, str | None]]:
    """The `[[slug]]` and `[[slug|shown words]]` links of a text, as (slug, shown or None), in order."""
    return [
        (match.group(1).strip(), match.group(2).strip() if match.group(2) is not None else None)
        for match in _GLOSSARY_LINK.finditer(_without_code(text))
    ]
