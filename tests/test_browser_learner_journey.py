"""Real Chromium: a visitor signs up from a lesson, follows the path, reads the lesson, answers its check,
marks it complete, takes the practice quiz with all four kinds (keyboard only, with JavaScript), takes the
assessment, sees results and retakes — once with JavaScript (htmx) and once without (POST-redirect-GET).
axe scans every page visited.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.test_browser_accounts import emailed_path
from training.models import Question, QuizAttempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Chromium-learner-passphrase-1"
LESSON = "two-rooms-one-peace"
PRACTICE = "foundations-practice"
ASSESSMENT = "final-assessment"


@pytest.fixture
def course():
    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)


def shown(attempt: QuizAttempt | None, question: Question) -> list:
    """The question's choices in the order the page shows them."""
    choices = list(question.choices.published().in_order())
    if attempt is not None:
        order = attempt.choice_order[str(question.pk)]
        choices.sort(key=lambda c: order.index(c.pk))
    return choices


def order_item(page: Page, field_id: str):
    """The step of an order list (static/js/answer-widgets.js) that holds the field's (hidden) select."""
    return page.locator(f"li.order-item:has(#{field_id})")


def place_of(item) -> int:
    return item.evaluate("li => [...li.parentNode.children].indexOf(li)")


def in_right_order(field_ids: list[str], choices: list) -> list[tuple[int, str]]:
    """(target index, field id) from the first step to the last."""
    by_position = sorted(zip(field_ids, choices, strict=True), key=lambda pair: pair[1].correct_position)
    return [(target, field_id) for target, (field_id, _) in enumerate(by_position)]


def answer_with_pointer(page: Page, question: Question, attempt: QuizAttempt | None) -> None:
    """Fill in the right answer with clicks and selects (an order list with its Move up buttons)."""
    choices = shown(attempt, question)
    ids = [
        f"q{question.pk}-{i}" if attempt else f"check-{question.pk}-form-{i}"
        for i in range(1, len(choices) + 1)
    ]
    if question.kind == "order" and page.locator(".order-item").count():
        for target, field_id in in_right_order(ids, choices):
            item = order_item(page, field_id)
            while place_of(item) > target:
                item.locator("[data-move='-1']").click()
        return
    for field_id, choice in zip(ids, choices, strict=True):
        field = page.locator(f"#{field_id}")
        if question.kind in ("single", "multiple"):
            if choice.correct:
                field.check()
        elif question.kind == "order":
            field.select_option(str(choice.correct_position))
        else:
            field.select_option(choice.category.key)


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches the selector (real keyboard navigation)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def answer_with_keyboard(page: Page, question: Question, attempt: QuizAttempt) -> None:
    """Fill in the right answer with Tab, arrows and Space only, then press Enter on the submit button."""
    choices = shown(attempt, question)
    prefix = f"q{question.pk}-"
    if question.kind == "single":
        tab_to(page, f"input[type=radio][id^='{prefix}']")  # Tab enters the radio group at its first option
        target = next(i for i, c in enumerate(choices) if c.correct)
        if target == 0:
            page.keyboard.press("Space")
        for _ in range(target):
            page.keyboard.press("ArrowDown")  # moves to and checks the next option
    elif question.kind == "multiple":
        for index, choice in enumerate(choices, start=1):
            if choice.correct:
                tab_to(page, f"#{prefix}{index}")
                page.keyboard.press("Space")
    elif question.kind == "order" and page.locator(".order-item").count():
        # The list to reorder: Tab to a step, the up arrow moves it.
        ids = [f"{prefix}{i}" for i in range(1, len(choices) + 1)]
        for target, field_id in in_right_order(ids, choices):
            tab_to(page, f"li.order-item:has(#{field_id})")
            for _ in range(place_of(order_item(page, field_id)) - target):
                page.keyboard.press("ArrowUp")
    else:
        for index, choice in enumerate(choices, start=1):
            tab_to(page, f"#{prefix}{index}")
            if question.kind == "order":
                steps = choice.correct_position
            else:
                keys = list(question.categories.published().in_order().values_list("key", flat=True))
                steps = keys.index(choice.category.key) + 1
            for _ in range(steps):  # from "Choose…" down to the option
                page.keyboard.press("ArrowDown")
    tab_to(page, "#question button[type=submit]")
    page.keyboard.press("Enter")


def open_attempt(quiz_slug: str) -> QuizAttempt:
    return QuizAttempt.objects.get(quiz__slug=quiz_slug, submitted_at__isnull=True)


def current_question(attempt: QuizAttempt, number: int) -> Question:
    return Question.objects.get(pk=attempt.question_ids[number - 1])


def take_quiz(page: Page, quiz_slug: str, *, js: bool, keyboard: bool, scanner: Page | None) -> None:
    """From the quiz intro: start, answer every question right, submit; ends on the results page."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, f"{quiz_slug} intro", scanner=scanner)
    page.get_by_role("button", name=re.compile("Start the quiz|Retake the quiz")).click()
    attempt = open_attempt(quiz_slug)
    total = len(attempt.question_ids)
    practice = attempt.quiz.mode == "practice"
    scanned_feedback: set[str] = set()
    for number in range(1, total + 1):
        expect(page.locator(".question-count")).to_contain_text(f"Question {number} of {total}")
        assert_accessible(page, f"{quiz_slug} question {number}", scanner=scanner)
        question = current_question(attempt, number)
        if keyboard:
            answer_with_keyboard(page, question, attempt)
        else:
            answer_with_pointer(page, question, attempt)
            page.get_by_role("button", name="Check my answer" if practice else "Save answer").click()
        if practice:
            feedback = page.locator("#question .feedback")
            expect(feedback).to_contain_text("Correct")
            expect(feedback).to_contain_text("Why")
            if js:  # focus moved to the feedback after the swap
                assert page.evaluate("document.activeElement.classList.contains('feedback')")
        else:
            expect(page.locator("#question")).to_contain_text(
                "Answer saved. You will see feedback with your results."
            )
            expect(page.locator("#question .feedback")).to_have_count(0)
        # Without JavaScript the answer loads a new page: scanned every time. With it, the feedback is
        # swapped in place: scanned once per question kind (the same markup for the rest).
        if not js or question.kind not in scanned_feedback:
            scanned_feedback.add(question.kind)
            assert_accessible(page, f"{quiz_slug} question {number} answered", scanner=scanner)
        if number < total:
            if keyboard:
                tab_to(page, f"#question a.button[href$='/questions/{number + 1}/']")
                page.keyboard.press("Enter")
            else:
                page.locator("#question").get_by_role("link", name="Next question").click()
    if keyboard:
        tab_to(page, "#question form[action$='/submit/'] button")
        page.keyboard.press("Enter")
    else:
        page.locator("#question").get_by_role("button", name="Submit and see results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Results: "))
    expect(page.locator(".result .score")).to_contain_text("100%")
    expect(page.locator(".result .verdict")).to_contain_text("Passed")
    expect(page.locator(".review-questions > li")).to_have_count(total)
    expect(page.locator(".review-questions .feedback-correct")).to_have_count(total)
    assert_accessible(page, f"{quiz_slug} results", scanner=scanner)


def learner_journey(page: Page, base: str, username: str, *, js: bool, scanner: Page | None = None) -> None:
    # A visitor finds the path and starts reading: with one course, the home page is that course's page.
    from training.models import Course

    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(Course.objects.get().title)
    assert_accessible(page, "home (visitor)", scanner=scanner)
    page.get_by_role("link", name=re.compile("^Start")).click()
    expect(page).to_have_url(f"{base}/lessons/{LESSON}/")
    assert_accessible(page, "lesson (visitor)", scanner=scanner)

    # Answering asks them to sign up, and brings them back.
    page.locator("#checks-heading + p").get_by_role("link", name="sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    assert_accessible(page, "sign up", scanner=scanner)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(base + emailed_path(mail.outbox[-1].body))
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{base}/lessons/{LESSON}/")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(f"Signed in as {username}")
    assert_accessible(page, "lesson (learner)", scanner=scanner)

    # Read: objectives, citations, a glossary term opens its definition (a native popover).
    expect(page.get_by_role("heading", name="What you will learn")).to_be_visible()
    expect(page.locator(".citations").first).to_contain_text("Source: ")
    term = page.locator(".lesson-body button.term").first
    term.click()
    expect(page.locator(".lesson-body .term-popover:popover-open")).to_be_visible()
    # Beside its term (issue 14), not in a corner of the page: just below it (or just above when the term is
    # near the bottom of the window), overlapping its column.
    term_box = term.bounding_box()
    popover_box = page.locator(".lesson-body .term-popover:popover-open").bounding_box()
    assert term_box and popover_box
    gap_below = popover_box["y"] - (term_box["y"] + term_box["height"])
    gap_above = term_box["y"] - (popover_box["y"] + popover_box["height"])
    assert 0 <= gap_below <= 24 or 0 <= gap_above <= 24, (term_box, popover_box)
    assert popover_box["x"] <= term_box["x"] + term_box["width"], (term_box, popover_box)
    assert popover_box["x"] + popover_box["width"] >= term_box["x"], (term_box, popover_box)
    assert_accessible(page, "lesson with a glossary definition open", scanner=scanner)
    page.keyboard.press("Escape")

    # Answer the knowledge check.
    check = Question.objects.get(lesson__slug=LESSON)
    answer_with_pointer(page, check, None)
    page.locator(f"#check-{check.pk}").get_by_role("button", name="Check my answer").click()
    feedback = page.locator(f"#check-{check.pk} .feedback")
    expect(feedback).to_contain_text("Correct")
    expect(feedback).to_contain_text("Reference: ")
    assert_accessible(page, "lesson check answered", scanner=scanner)

    # Mark complete: the module's progress bar moves.
    page.get_by_role("button", name="Mark complete").click()
    expect(page.locator("#completion")).to_contain_text("You completed this lesson.")
    expect(page.locator("#module-progress .progress-label")).not_to_have_text("0%")
    assert_accessible(page, "lesson completed", scanner=scanner)

    # Back on the path: the lesson is done and Continue points further on.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learning path").click()
    first_item = page.locator(".path-items li").first
    expect(first_item).to_contain_text("Done")
    expect(page.locator("a.button.continue")).to_have_text(re.compile(r"^(Start|Continue|Resume) "))
    assert_accessible(page, "home (learner)", scanner=scanner)

    # The practice quiz with all four kinds.
    page.get_by_role("link", name="Practice: telling the tracks apart").click()
    take_quiz(page, PRACTICE, js=js, keyboard=js, scanner=scanner)

    # Retake within the policy: a new attempt opens at question 1.
    page.get_by_role("button", name="Retake the quiz").click()
    expect(page.locator(".question-count")).to_contain_text("attempt 2")
    assert_accessible(page, "retake question 1", scanner=scanner)

    # The assessment: feedback only on the results page, then a retake is offered.
    page.goto(f"{base}/quizzes/{ASSESSMENT}/")
    expect(page.get_by_text("Assessment: feedback when you submit the whole attempt")).to_be_visible()
    take_quiz(page, ASSESSMENT, js=js, keyboard=False, scanner=scanner)
    expect(page.locator(".result")).to_contain_text("2 attempts left.")
    page.get_by_role("button", name="Retake the quiz").click()
    expect(page.locator(".question-count")).to_contain_text("Question 1 of")
    assert QuizAttempt.objects.filter(user__username=username, submitted_at__isnull=False).count() == 2


def test_learner_journey_with_javascript(page: Page, live_server, course):
    learner_journey(page, live_server.url, "journey_js", js=True)


def test_learner_journey_without_javascript(no_js_page: Page, axe_scanner: Page, live_server, course):
    learner_journey(no_js_page, live_server.url, "journey_nojs", js=False, scanner=axe_scanner)
