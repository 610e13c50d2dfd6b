from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from training.markup import check_markdown, glossary_links, render_inline, render_markdown


def test_markdown_without_html_has_no_problems():
    assert check_markdown("Some *emphasis*, a [link](https://example.org) and <https://example.org>.") == []


def test_raw_html_tags_and_comments_are_problems():
    problems = check_markdown("Hello <b>bold</b> and <!-- note --> and <img src=x onerror=alert(1)>")
    assert len(problems) == 4
    assert all(problem.startswith("raw HTML is not allowed in Markdown") for problem in problems)
    assert "<b>" in problems[0]


def test_html_inside_code_is_allowed():
    text = "Write `<b>` for bold.\n\n```\n<div>example</div>\n```\n"
    assert check_markdown(text) == []


def test_glossary_links_with_and_without_shown_words():
    assert glossary_links("See [[back-channel]] and [[track-1|Track I]]; not `[[code]]`.") == [
        ("back-channel", None),
        ("track-1", "Track I"),
    ]


# Rendering hostile Markdown: glossary links are placed only in text, never inside an attribute or a link ---

VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}
HOSTILE_GLOSSARY = {
    "term": SimpleNamespace(
        term='Term "quoted" <b>bold</b>',
        definition='Says "hi" <script>alert(1)</script> & [a link](https://example.org "t\\"x") [[term]]',
    )
}


class Elements(HTMLParser):
    """Start tags with their attributes, the elements open at each one, and whether the end tags match."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.raw: list[str] = []
        self.stack: list[str] = []
        self.mismatched: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}, tuple(self.stack)))
        self.raw.append(self.get_starttag_text() or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.mismatched.append(tag)
        else:
            self.stack.pop()


def parsed(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    assert not parser.mismatched and not parser.stack, f"not well-formed: {html}"
    for raw, (tag, attrs, _) in zip(parser.raw, parser.tags, strict=True):
        # Quotes and angle brackets in a value are escaped: the tag as written holds no other tag.
        assert "<" not in raw[1:], f"markup inside the attributes of {raw}: {html}"
        for name in ("href", "title", "alt", "aria-label"):
            value = attrs.get(name, "")
            assert "term-popover" not in value and "popovertarget" not in value, f"{tag} {name}: {html}"
    for tag, _, open_ in parser.tags:
        if tag in ("a", "button"):
            assert "a" not in open_ and "button" not in open_, f"{tag} nested in a link or button: {html}"
    return parser


@pytest.mark.parametrize(
    "text",
    [
        "[x]([[term]])",
        '[[[term]]](http://a "[[term]]")',
        "![[[term]]](x.png)",
        '[a](http://x "[[term|\\" onmouseover=alert(1) x=\\"]]")',
        "[[[term|shown words]]](https://example.org)",
        "<https://example.org/[[term]]>",
        "A [[term]] and [[term|Tom & <Jerry>]] in text.",
        "| [[term]] | [x]([[term]]) |\n|---|---|\n| [[term]] | ![[[term]]](y.png) |",
    ],
)
def test_glossary_links_never_put_markup_inside_an_attribute_or_a_link(text):
    html = render_markdown(text, HOSTILE_GLOSSARY, glossary_url="/glossary/")
    parser = parsed(html)
    buttons = [attrs for tag, attrs, _ in parser.tags if tag == "button"]
    for attrs in buttons:
        assert attrs["popovertarget"].startswith("term-term-")
    inline = render_inline(text)
    parsed(inline)
    assert "<button" not in inline


def test_a_glossary_link_in_text_still_opens_its_definition_safely():
    html = render_markdown("A [[term]] here.", HOSTILE_GLOSSARY, glossary_url="/glossary/")
    parser = parsed(html)
    (button,) = [attrs for tag, attrs, _ in parser.tags if tag == "button"]
    assert button["aria-label"] == 'Term "quoted" <b>bold</b> (glossary term: show definition)'
    assert "<script" not in html
    assert "Term &quot;quoted&quot; &lt;b&gt;bold&lt;/b&gt;</button>" in html


def test_glossary_link_text_is_escaped_once():
    html = render_markdown("See [[term|Tom & Jerry]].", HOSTILE_GLOSSARY, glossary_url="/glossary/")
    assert ">Tom &amp; Jerry</button>" in html


def test_a_glossary_link_inside_link_text_shows_its_words_without_a_button():
    html = render_markdown("[[[term|the words]]](https://example.org)", HOSTILE_GLOSSARY, glossary_url="/g/")
    assert '<a href="https://example.org" rel="noopener noreferrer">the words</a>' in html
