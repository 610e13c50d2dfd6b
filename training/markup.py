"""Checks on the Markdown that authors write: no raw HTML, and `[[glossary]]` links.

The checks are pure functions of the text so the curriculum loader, the linter and the admin can share them;
rendering (below) caches its HTML by a hash of its inputs.
"""

from __future__ import annotations

import html as htmllib
import re
import threading
from collections.abc import Callable, Iterator

from training.content_cache import cached, make_key

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


# --- Rendering ------------------------------------------------------------------------------------------

_INLINE_TAGS = {"a", "abbr", "b", "cite", "code", "em", "i", "q", "s", "small", "strong", "sub", "sup"}
_BLOCK_TAGS = _INLINE_TAGS | {
    "blockquote",
    "br",
    "dd",
    "dl",
    "dt",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
_HEADING = re.compile(r"<(/?)h([1-6])>")
_GLOSSARY_HTML = re.compile(r"\[\[([^\[\]|<>]*?)(?:\|([^\[\]<>]*?))?\]\]")
# A tag of sanitised HTML: nh3 writes every attribute value in double quotes with `"` escaped, but leaves `>`
# as it is inside a value, so a tag ends at the first `>` outside quotes.
_TAG = re.compile(r'<(/?)([A-Za-z][A-Za-z0-9]*)(?:[^>"]|"[^"]*")*>')
# Part of the cache keys of rendered HTML: bumped when the rendering changes, so no cache (Redis outlives a
# deploy) serves HTML made by an older version. 2: glossary links are placed only in text outside links.
_RENDER_VERSION = 2


_local = threading.local()

# Rendered HTML is cached by a hash of everything it depends on (training.content_cache: a per-process LRU in
# front of Django's cache), so an edit to the text simply misses the cache; nothing needs invalidating.


def _markdown_to_html(text: str) -> str:
    # Building a Markdown instance costs more than converting a short text: keep one per thread.
    converter = getattr(_local, "markdown", None)
    if converter is None:
        import markdown

        converter = _local.markdown = markdown.Markdown(
            extensions=["sane_lists", "tables"], output_format="html"
        )
    return converter.reset().convert(text or "")


def _clean(html: str, tags: set[str]) -> str:
    import nh3

    return nh3.clean(
        html,
        tags=tags,
        attributes={tag: attrs for tag, attrs in _ATTRIBUTES.items() if tag in tags},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _text_runs(html: str) -> Iterator[tuple[str, str]]:
    """Sanitised HTML as (piece, where) in order: where is "tag" (a tag, attribute values included), "code"
    (text in code or pre), "link" (text in a link) or "text" (any other text). Only "text" may take markup of
    ours: a glossary link inside an attribute stays as written, and a button cannot go inside a link."""
    code = link = position = 0
    for match in _TAG.finditer(html):
        yield html[position : match.start()], "code" if code else "link" if link else "text"
        step = -1 if match.group(1) else 1
        name = match.group(2).lower()
        if name in ("code", "pre"):
            code = max(0, code + step)
        elif name == "a":
            link = max(0, link + step)
        yield match.group(0), "tag"
        position = match.end()
    yield html[position:], "code" if code else "link" if link else "text"


def _link_words(match: re.Match) -> tuple[str, str | None]:
    """The slug and the shown words (None if not given) of a glossary link found in HTML text, unescaped."""
    words = match.group(2)
    return htmllib.unescape(match.group(1)).strip(), (
        htmllib.unescape(words).strip() or None if words is not None else None
    )


def _replace_links(
    html: str, *, in_text: Callable[[re.Match], str], in_link: Callable[[re.Match], str]
) -> str:
    """`html` with each glossary link in text replaced by `in_text(match)` and each inside a link's text by
    `in_link(match)`; those in attributes and code are left as they are."""
    parts = []
    for piece, where in _text_runs(html):
        if where == "text":
            piece = _GLOSSARY_HTML.sub(in_text, piece)
        elif where == "link":
            piece = _GLOSSARY_HTML.sub(in_link, piece)
        parts.append(piece)
    return "".join(parts)


def _shift_headings(html: str, top: int) -> str:
    """Renumber headings so the highest one in the text becomes `top` (keeps the page outline valid)."""
    levels = [int(match.group(2)) for match in _HEADING.finditer(html) if not match.group(1)]
    if not levels:
        return html
    delta = top - min(levels)
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, max(1, int(m.group(2)) + delta))}>", html)


def render_inline(text: str) -> str:
    """Short Markdown (a definition, an option) as inline HTML: no paragraphs, links kept."""
    text = text or ""

    def build() -> str:
        from django.utils.html import escape

        def words(match: re.Match) -> str:
            slug, shown = _link_words(match)
            return escape(shown or slug)

        html = _clean(_markdown_to_html(text), _INLINE_TAGS).strip()
        return _replace_links(html, in_text=words, in_link=words)

    return cached(make_key("inline", _RENDER_VERSION, text), build)


def _blocks(text: str, heading_level: int | None) -> tuple[str, str, tuple[str, ...]]:
    """The sanitised, heading-shifted HTML of a text (glossary links still as `[[...]]`), the hash of the
    inputs and the glossary slugs the HTML links to. Cached: this is the expensive part."""
    key = make_key("blocks", _RENDER_VERSION, text, heading_level)

    def build() -> tuple[str, str, tuple[str, ...]]:
        html = _clean(_markdown_to_html(text), _BLOCK_TAGS)
        if heading_level:
            html = _shift_headings(html, heading_level)
        slugs = [
            _link_words(match)[0]
            for piece, where in _text_runs(html)
            if where in ("text", "link")
            for match in _GLOSSARY_HTML.finditer(piece)
        ]
        return html, key.rsplit(":", 1)[1], tuple(dict.fromkeys(slugs))

    return cached(key, build)


def _glossary_url() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("glossary")
    except NoReverseMatch:
        return ""


def render_markdown(
    text: str,
    glossary=None,
    *,
    heading_level: int | None = None,
    glossary_url: str | None = None,
    id_prefix: str | None = None,
) -> str:
    """Markdown → sanitised HTML (a safe string for templates).

    `[[slug]]` and `[[slug|words]]` become glossary terms. With `glossary` (slug → object with `term` and
    `definition`), a known term is a button that opens its definition in a popover (native HTML, so it
    works without JavaScript and closes with Escape), with a link to the glossary page; otherwise it is a
    plain link to the glossary entry. `heading_level` renumbers the text's headings to start at that level.
    Raw HTML in the text is removed (the loader already refuses it; admin edits are cleaned here).

    Popover ids are `term-<slug>-<prefix>-<n>` (n counts the links in this text; the prefix is `id_prefix`
    or a short hash of the text), so the same inputs always give the same HTML and ids stay unique within
    a page. The result is cached by a hash of the text, heading level, URL, prefix and the glossary
    entries used (term and definition), so an edit to any of them is seen at once.
    """
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    text = text or ""
    html, text_hash, slugs = _blocks(text, heading_level)
    if glossary_url is None:
        glossary_url = _glossary_url()
    if not slugs:
        return mark_safe(html)  # noqa: S308 - sanitised by nh3  # nosec B308, B703
    entries = {slug: (glossary or {}).get(slug) for slug in slugs}
    prefix = id_prefix or text_hash[:6]
    used = [[slug, entry.term, entry.definition] if entry else [slug] for slug, entry in entries.items()]

    def build() -> str:
        count = 0

        def words_of(match: re.Match) -> tuple[str, str]:
            slug, shown = _link_words(match)
            entry = entries.get(slug)
            return slug, shown or (entry.term if entry else slug)

        def plain(match: re.Match) -> str:
            return escape(words_of(match)[1])

        def term(match: re.Match) -> str:
            nonlocal count
            slug, words = words_of(match)
            entry = entries.get(slug)
            if entry is None:
                if not glossary_url:
                    return escape(words)
                return (
                    f'<a class="term-link" href="{escape(glossary_url)}#{escape(slug)}">{escape(words)}</a>'
                )
            count += 1
            popover_id = escape(f"term-{slug}-{prefix}-{count}")
            more = (
                f' <a href="{escape(glossary_url)}#{escape(slug)}">In the glossary</a>'
                if glossary_url
                else ""
            )
            return (
                f'<button type="button" class="term" popovertarget="{popover_id}" '
                f'aria-label="{escape(words)} (glossary term: show definition)">{escape(words)}</button>'
                f'<span class="term-popover" id="{popover_id}" popover>'
                f"<strong>{escape(entry.term)}</strong>: {render_inline(entry.definition)}{more}</span>"
            )

        # Glossary links are replaced after sanitising (the HTML they make is ours), only in text: inside an
        # attribute or code they stay as written, inside a link's text they become its plain words.
        return _replace_links(html, in_text=term, in_link=plain)

    key = make_key("markdown", _RENDER_VERSION, text_hash, glossary_url, prefix, used)
    return mark_safe(cached(key, build))  # noqa: S308 - sanitised by nh3; glossary HTML is escaped  # nosec B308, B703


def citation_label(citation) -> dict[str, str]:
    """How a citation reads: "Source: Formality and official status, ¶2" or the reference, with its URL.

    Needs `section` (with `source`) or `reference` loaded. Returns {"text": ..., "url": ...} (plain JSON,
    so it can go into a response snapshot).
    """
    if citation.reference_id:
        ref = citation.reference
        text = ref.title
        byline = ", ".join(part for part in (ref.author, ref.publisher) if part)
        if byline:
            text += f", {byline}"
        if ref.year:
            text += f" ({ref.year})"
        if citation.locator:
            text += f", {citation.locator}"
        return {"text": f"Reference: {text}", "url": ref.url}
    section = citation.section
    return {"text": f"Source: {section.heading}, ¶{citation.paragraph}", "url": ""}
