"""The admin's field help texts come from docs/curriculum-format.md (issue 15, "help text taken from the
format document"): one source, read at startup by training.curriculum.fieldhelp."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.factories import make_course, make_module, make_question, make_quiz
from training.curriculum.fieldhelp import doc_help, parse_format_doc

DOC = Path("docs/curriculum-format.md").read_text(encoding="utf-8")


def doc_comment(line_start: str) -> str:
    """The comment of the one line of the document that starts with `line_start` (spaces included)."""
    (line,) = [line for line in DOC.splitlines() if line.startswith(line_start)]
    return line.split("#", 1)[1].strip()


@pytest.mark.parametrize(
    ("admin_page", "field", "line_start", "shown"),
    [
        ("lesson", "minutes", "    minutes: 8 ", "Estimated reading time (1–120)"),
        ("question", "explanation", "  explanation: md ", "Markdown: why the best answer is best."),
        ("question", "kind", "  kind: single ", "Single | multiple | order | sort."),
        (
            "quiz",
            "time_limit",
            "    time_limit: 20 ",
            "Optional: minutes per attempt, 0–600, see docs/scoring.md",
        ),
        ("option", "guard", "            guard: ", "Optional condition, see below."),
        ("node", "is_ending", None, None),
    ],
)
def test_admin_help_texts_are_the_format_documents_comments(
    client, instructor, admin_page, field, line_start, shown
):
    client.force_login(instructor)
    page = client.get(reverse(f"admin:training_{admin_page}_add"))
    assert page.status_code == 200
    form = page.context["adminform"].form
    if line_start is None:  # a field the document does not comment keeps no invented text
        assert doc_help(admin_page, field) is None
        return
    comment = doc_comment(line_start)
    # The shown text is the document's comment, "required" left out (the form marks required fields).
    expected = re.sub(r"^required\b[,:;]?\s*", "", comment)
    assert shown.lower().removeprefix("markdown: ").startswith(expected[:20].lower())
    assert form.fields[field].help_text.startswith(escape(shown))
    assert escape(shown) in page.content.decode()


@pytest.mark.django_db
def test_inline_rows_and_code_spans_take_the_documents_text(client, instructor):
    client.force_login(instructor)
    quiz = make_quiz(make_module(make_course(slug="help-course")), slug="help-quiz")
    question = make_question(quiz, slug="help-question")
    page = client.get(reverse("admin:training_question_change", args=[question.pk]))
    content = page.content.decode()
    # A choice row's key (an inline): the document's comment, not a text of the admin's own.
    assert "Optional; defaults to a, b, c… by position (export leaves defaults out)" in content
    meter = client.get(reverse("admin:training_meter_add")).content.decode()
    # `lower` in the document becomes <code>lower</code>; the rest is escaped.
    assert "Optional, default higher; <code>lower</code> for a risk or an exposure" in meter
    assert "the page then says &quot;lower is better&quot;" in meter


def test_the_parser_follows_nesting_continued_comments_and_list_blocks():
    text = """
### things

```yaml
- slug: x
  name: X                # required: what it is called
  parts:
    - key: a
      size: 3            # optional, in cm
                         # (whole numbers)
  note: md               # shown under it
```

### other

```yaml
    indented: 1          # an excerpt of an earlier block: skipped
```
"""
    found = parse_format_doc(text)
    assert found == {
        ("things", "name"): ("X", "required: what it is called"),
        ("things", "parts", "size"): ("3", "optional, in cm (whole numbers)"),
        ("things", "note"): ("md", "shown under it"),
    }


pytestmark = pytest.mark.django_db
