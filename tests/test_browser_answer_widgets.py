"""Real Chromium: an order question is a list to reorder and a sort question a set of boxes to sort into
(static/js/answer-widgets.js). Each is answered right with the keyboard only (at 390 px), with the mouse (at
1,280 px, buttons and dragging), and with JavaScript off (the selects); the server stores the same answer every
way, and axe finds nothing on the question or its feedback at either width."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.axe import assert_accessible
from tests.factories import make_course, make_module, make_question, make_quiz
from tests.site_tour import session_cookie
from training.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = ["Agree the agenda", "Open talks", "Draft the text", "Sign the accord"]
ITEMS = {  # item → category key
    "Ministers sign a treaty": "t1",
    "Scholars meet in a workshop": "t2",
    "Officials attend in a private capacity": "t15",
    "An ambassador tables a proposal": "t1",
}
CATEGORIES = [("t1", "Track I"), ("t15", "Track 1.5"), ("t2", "Track II")]


@pytest.fixture
def quiz(django_user_model):
    course = make_course(title="Widgets course")
    module = make_module(course, title="Widgets")
    quiz = make_quiz(module, title="Build the answer")
    make_question(
        quiz,
        kind="order",
        prompt="Put the steps of the talks in order.",
        choices=[(text, n) for n, text in enumerate(STEPS, start=1)],
    )
    make_question(
        quiz,
        kind="sort",
        prompt="Sort each contact into its track.",
        categories=CATEGORIES,
        choices=list(ITEMS.items()),
    )
    return quiz


def start(page: Page, base: str, quiz, learner, width: int) -> None:
    page.context.add_cookies([session_cookie(learner, base)])
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base + quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Build the answer")


def go_to(page: Page, kind: str) -> None:
    """Questions are drawn in any order: go to the one of this kind."""
    selector = {"order": "[data-order-widget]", "sort": "[data-sort-widget]"}[kind]
    if page.locator(selector).count() == 0:
        page.get_by_role("link", name=re.compile("Next question|Previous question")).first.click()
    expect(page.locator(selector)).to_have_count(1)


def order_texts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".order-item .step-text").all_inner_texts()]


def stored_answers(quiz) -> dict[str, dict]:
    return {
        r.question.kind: r.answer
        for r in Response.objects.filter(attempt__quiz=quiz).select_related("question")
    }


def check_feedback(page: Page, where: str, scanner: Page | None = None) -> None:
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator(".feedback .verdict")).to_contain_text("Correct")
    assert_accessible(page, where, scanner=scanner)


def assert_stored_right(quiz) -> None:
    answers = stored_answers(quiz)
    order = quiz.questions.get(kind="order")
    by_key = {c.key: c.text for c in order.choices.all()}
    assert [by_key[k] for k in answers["order"]["order"]] == STEPS
    sort = quiz.questions.get(kind="sort")
    text_of = {c.key: c.text for c in sort.choices.all()}
    assert {text_of[k]: v for k, v in answers["sort"]["categories"].items()} == ITEMS


def test_order_and_sort_with_the_keyboard_only_at_390(browser: Browser, live_server, quiz, django_user_model):
    started = time.monotonic()
    learner = django_user_model.objects.create_user("kim", "kim@example.org", "Keyboard-only-passphrase-1")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    start(page, live_server.url, quiz, learner, 390)

    go_to(page, "order")
    assert_accessible(page, "order question at 390 px")
    status = page.locator("[data-widget-status]")
    for target, text in enumerate(STEPS):
        texts = order_texts(page)
        index = texts.index(text)
        item = page.locator(".order-item").nth(index)
        item.focus()
        for _ in range(index - target):
            page.keyboard.press("ArrowUp")
        expect(page.locator(".order-item").nth(target)).to_be_focused()
        if index != target:
            expect(status).to_have_text(f"“{text}” moved to position {target + 1} of {len(STEPS)}.")
    assert order_texts(page) == STEPS
    # The hidden selects carry the order: the same fields as without JavaScript.
    assert [s.input_value() for s in page.locator(".order-item select").all()] == ["1", "2", "3", "4"]
    page.locator(".order-item").first.focus()
    page.keyboard.press("Home")  # already first: nothing moves, and it says so
    expect(status).to_have_text(f"“{STEPS[0]}” is already first.")
    assert order_texts(page) == STEPS
    check_feedback(page, "order feedback at 390 px")

    go_to(page, "sort")
    assert_accessible(page, "sort question at 390 px")
    digits = {key: str(n) for n, (key, _) in enumerate(CATEGORIES, start=1)}
    for text, key in ITEMS.items():
        item = page.locator(".sort-item").filter(has_text=text)
        item.focus()
        if key == "t15":
            page.keyboard.press("ArrowRight")  # unsorted → the first box
            page.keyboard.press("ArrowRight")  # → the second
        else:
            page.keyboard.press(digits[key])
        label = dict(CATEGORIES)[key]
        expect(
            page.locator(".sort-bucket")
            .filter(has=page.get_by_role("heading", name=re.compile(re.escape(label) + r" \(")))
            .filter(has_text=text)
        ).to_have_count(1)
        expect(status.last).to_contain_text(f"“{text}” is now in {label}")
    expect(page.locator(".sort-unsorted")).to_contain_text("All sorted.")
    check_feedback(page, "sort feedback at 390 px")
    assert_stored_right(quiz)
    context.close()
    print(f"keyboard: {time.monotonic() - started:.1f}s")


def test_order_and_sort_with_the_mouse_at_1280(page: Page, live_server, quiz, django_user_model):
    started = time.monotonic()
    learner = django_user_model.objects.create_user("max", "max@example.org", "Mouse-user-passphrase-1")
    start(page, live_server.url, quiz, learner, 1280)

    go_to(page, "order")
    assert_accessible(page, "order question at 1280 px")
    # The last step dragged to the top; the rest with the Move up buttons.
    texts = order_texts(page)
    if texts[0] != STEPS[0]:
        page.locator(".order-item").filter(has_text=STEPS[0]).drag_to(
            page.locator(".order-item").first, source_position={"x": 60, "y": 12}
        )
    assert order_texts(page)[0] == STEPS[0]
    for target, text in enumerate(STEPS):
        while order_texts(page).index(text) > target:
            page.get_by_role("button", name=f"Move “{text}” up").click()
    assert order_texts(page) == STEPS
    expect(page.get_by_role("button", name=f"Move “{STEPS[0]}” up")).to_be_disabled()
    expect(page.get_by_role("button", name=f"Move “{STEPS[-1]}” down")).to_be_disabled()
    check_feedback(page, "order feedback at 1280 px")

    go_to(page, "sort")
    assert_accessible(page, "sort question at 1280 px")
    first_text, first_key = next(iter(ITEMS.items()))
    label = dict(CATEGORIES)
    page.locator(".sort-item").filter(has_text=first_text).drag_to(
        page.locator(f".sort-bucket[data-category='{first_key}']"), source_position={"x": 12, "y": 12}
    )
    expect(page.locator(f".sort-bucket[data-category='{first_key}']")).to_contain_text(first_text)
    for text, key in list(ITEMS.items())[1:]:
        page.get_by_label(f"Move to “{text}”").select_option(label=label[key])
        expect(page.locator(f".sort-bucket[data-category='{key}']")).to_contain_text(text)
    check_feedback(page, "sort feedback at 1280 px")
    assert_stored_right(quiz)
    print(f"mouse: {time.monotonic() - started:.1f}s")


def test_order_and_sort_without_javascript(
    browser: Browser, live_server, quiz, django_user_model, axe_scanner
):
    started = time.monotonic()
    learner = django_user_model.objects.create_user("nia", "nia@example.org", "No-script-passphrase-1")
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    start(page, live_server.url, quiz, learner, 390)

    go_to(page, "order")
    expect(page.locator(".move-button")).to_have_count(0)  # no widget: the selects
    for n, text in enumerate(STEPS, start=1):
        page.get_by_label(f"Position of “{text}”").select_option(str(n))
    assert_accessible(page, "order question without JavaScript", scanner=axe_scanner)
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator(".feedback .verdict")).to_contain_text("Correct")

    go_to(page, "sort")
    expect(page.locator(".sort-board")).to_have_count(0)
    label = dict(CATEGORIES)
    for text, key in ITEMS.items():
        page.get_by_label(f"Category of “{text}”").select_option(label=label[key])
    page.get_by_role("button", name="Check my answer").click()
    expect(page.locator(".feedback .verdict")).to_contain_text("Correct")
    assert_accessible(page, "sort feedback without JavaScript", scanner=axe_scanner)
    assert_stored_right(quiz)
    context.close()
    print(f"no JavaScript: {time.monotonic() - started:.1f}s")
