"""Real Chromium: the admin's content forms are comfortable at 1,280 px (issue 15): no page scrolls sideways,
inlines stay inside the window, and the lesson body is a large Markdown textarea with its preview beside the
form, not a 2.5-line box."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.learner_data import PASSWORD, make_user
from training.models import Lesson, Node, Question, Quiz, Simulation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('#content-main .inline-group, #content-main fieldset, #content-main textarea')]
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .map(el => (el.id || el.name || el.className) + ' ends at ' + Math.round(el.getBoundingClientRect().right));
  return [document.documentElement.scrollWidth, width, wide];
}"""


@pytest.fixture
def shipped(transactional_db):
    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    make_user("tess", instructor=True)


def test_content_forms_fit_1280px_with_a_large_lesson_body(page: Page, live_server, shipped):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 800})
    # A change page checks the whole shipped course with the loader's validator: slow on a busy machine.
    page.set_default_timeout(90_000)
    page.goto(base + "/admin/login/")
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    longest = max(Lesson.objects.all(), key=lambda lesson: len(lesson.body))
    sort_question = Question.objects.filter(kind="sort", quiz__isnull=False).first()
    busiest_node = max(Node.objects.filter(is_ending=False), key=lambda node: node.options.count())
    pages = {
        "lesson": f"/admin/training/lesson/{longest.pk}/change/",
        "sort question": f"/admin/training/question/{sort_question.pk}/change/",
        "quiz": f"/admin/training/quiz/{Quiz.objects.first().pk}/change/",
        "simulation": f"/admin/training/simulation/{Simulation.objects.first().pk}/change/",
        "node": f"/admin/training/node/{busiest_node.pk}/change/",
        "new lesson": "/admin/training/lesson/add/",
        "new question": "/admin/training/question/add/",
    }
    for name, path in pages.items():
        page.goto(base + path)
        expect(page.locator("#content-main form")).to_be_visible()
        scroll_width, width, wide = page.evaluate(FITS)
        assert scroll_width <= width, f"{name}: the page is {scroll_width}px wide at {width}px"
        assert not wide, f"{name}: {wide}"

    page.goto(base + pages["lesson"])
    body = page.locator('textarea[name="body"]')
    box = body.bounding_box()
    assert box is not None
    # 14 rows: a comfortable editor (the stock admin gave 2.5 lines), most of the form's width.
    assert box["height"] >= 250, box
    assert box["width"] >= 600, box
    # The live preview shows the body as a learner will see it.
    expect(page.locator("#markdown-preview")).not_to_be_empty()
