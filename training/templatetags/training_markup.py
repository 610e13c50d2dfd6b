"""Template filters for authored Markdown: `{{ text|markdown }}` (blocks) and `{{ text|markdown_inline }}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from training.markup import render_inline, render_markdown

register = template.Library()


@register.filter
def markdown(text: str, heading_level: int | None = None) -> str:
    """Sanitised HTML; `[[glossary]]` terms link to the glossary page."""
    return render_markdown(text or "", heading_level=heading_level)


@register.filter
def markdown_inline(text: str) -> str:
    return mark_safe(render_inline(text or ""))  # noqa: S308 - sanitised by nh3 in render_inline  # nosec B308, B703
