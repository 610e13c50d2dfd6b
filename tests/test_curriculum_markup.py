from training.markup import check_markdown, glossary_links


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
