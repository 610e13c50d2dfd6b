"""No page shows a stale navigation count or dashboard figure after a write (issue 21, acceptance 3).

The navigation's review badge and instructor link, and the dashboard's figures, are cached under the
learner's state version and the courses' content versions (training.navigation, training.versions). Each test
first views the pages (so a stale entry would be there to show), then writes through the product's own
request or workflow, then renders the next pages through the test client and asserts the visible numbers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.learn_helpers import right_answer_data, wrong_answer_data
from tests.learner_data import PASSWORD
from training import scheduling
from training.models import Question, QuizAttempt, ReviewCard

pytestmark = pytest.mark.django_db
PAST = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def badge(html: str) -> int:
    """The navigation's review badge (the number shown; hidden when 0)."""
    match = re.search(r'<span class="badge" id="review-due-badge"( hidden)?>(\d+)<', html)
    assert match, "the page shows the navigation's review link"
    return int(match.group(2))


def dashboard(client) -> dict[str, object]:
    html = client.get("/progress/").content.decode()
    due = re.search(r'Reviews due</dt>\s*<dd><span class="stat-value">(\d+)</span>', html)
    done = re.search(r"<span class=\"muted\">(\d+) of (\d+) items done</span>", html)
    assert due and done, html
    return {"badge": badge(html), "due": int(due.group(1)), "done": int(done.group(1))}


@pytest.fixture
def world():
    """A course with a lesson (one inline check), a practice quiz, an assessment, and a short simulation."""
    course = f.make_course(title="Fresh course")
    module = f.make_module(course, title="Fresh module")
    lesson = f.make_lesson(module, title="First lesson")
    check = f.make_question(lesson=lesson, kind="single")
    f.make_lesson(module, title="Second lesson")
    practice = f.make_quiz(module, slug="fresh-practice", title="Practice", pass_mark=50)
    practice_questions = [f.make_question(practice, kind="single") for _ in range(2)]
    assessment = f.make_quiz(
        module,
        mode="assessment",
        slug="fresh-assessment",
        title="Assessment",
        pass_mark=50,
        attempts_allowed=3,
    )
    assessment_questions = [f.make_question(assessment, kind="single") for _ in range(2)]
    simulation = f.make_sim_graph(
        module,
        slug="fresh-sim",
        nodes={
            "start": {"options": [{"key": "a", "next": "end", "effects": {"trust": 10}}]},
            "end": {"ending": "success"},
        },
    )
    return {
        "course": course,
        "lesson": lesson,
        "check": check,
        "practice": practice,
        "practice_questions": practice_questions,
        "assessment": assessment,
        "assessment_questions": assessment_questions,
        "simulation": simulation,
    }


def make_all_due(user, questions: list[Question]) -> None:
    """Cards answered wrong long ago: due now (through the scheduler, which replaces the learner's version)."""
    for question in questions:
        scheduling.schedule_review(user=user, question=question, correct=False, source="quiz", when=PAST)


@pytest.fixture
def signed_in(client, learner, world):
    questions = [world["check"], *world["practice_questions"], *world["assessment_questions"]]
    make_all_due(learner, questions)
    client.force_login(learner)
    # Every page the tests read, viewed once: what is cached now is what a stale page would show.
    lesson_url = world["lesson"].get_absolute_url()
    assert badge(client.get(lesson_url).content.decode()) == 5
    assert dashboard(client) == {"badge": 5, "due": 5, "done": 0}
    return client


def lesson_badge(client, world) -> int:
    return badge(client.get(world["lesson"].get_absolute_url()).content.decode())


def test_completing_a_lesson_counts_on_the_next_dashboard(signed_in, world):
    signed_in.post(reverse("lesson_complete", args=[world["lesson"].slug]))
    assert dashboard(signed_in) == {"badge": 5, "due": 5, "done": 1}


def test_answering_a_lesson_check_takes_its_card_out_of_the_count(signed_in, world):
    check = world["check"]
    url = reverse("lesson_check", args=[world["lesson"].slug, check.pk])
    assert signed_in.post(url, right_answer_data(check)).status_code in (200, 302)
    assert lesson_badge(signed_in, world) == 4
    assert dashboard(signed_in)["due"] == 4


def test_a_practice_answer_and_submit_update_the_badge_and_the_dashboard(signed_in, world):
    quiz = world["practice"]
    assert signed_in.post(reverse("quiz_start", args=[quiz.slug])).status_code == 302
    attempt = QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)
    first = Question.objects.get(pk=attempt.question_ids[0])
    url = reverse("quiz_question", args=[quiz.slug, attempt.pk, 1])
    assert signed_in.post(url, right_answer_data(first, attempt)).status_code in (200, 302)
    assert lesson_badge(signed_in, world) == 4  # the answered question's card is rescheduled
    second = Question.objects.get(pk=attempt.question_ids[1])
    url = reverse("quiz_question", args=[quiz.slug, attempt.pk, 2])
    assert signed_in.post(url, right_answer_data(second, attempt)).status_code in (200, 302)
    assert signed_in.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk])).status_code == 302
    assert dashboard(signed_in) == {"badge": 3, "due": 3, "done": 1}  # the quiz is passed


def test_an_open_assessment_holds_its_cards_back_until_the_results_show_the_key(signed_in, world):
    quiz = world["assessment"]
    assert signed_in.post(reverse("quiz_start", args=[quiz.slug])).status_code == 302
    attempt = QuizAttempt.objects.get(quiz=quiz, submitted_at__isnull=True)
    # Both of the assessment's cards leave the count while the attempt is open (they would hint at it).
    assert lesson_badge(signed_in, world) == 3
    assert dashboard(signed_in)["due"] == 3
    for number, qid in enumerate(attempt.question_ids, start=1):
        question = Question.objects.get(pk=qid)
        url = reverse("quiz_question", args=[quiz.slug, attempt.pk, number])
        assert signed_in.post(url, wrong_answer_data(question, attempt)).status_code in (200, 302)
    assert signed_in.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk])).status_code == 302
    # Failed with attempts left: the results policy still withholds the key, so the cards stay out.
    assert lesson_badge(signed_in, world) == 3
    # A policy change by the author (content) shows the key after each attempt: the cards come back.
    quiz.results = quiz.Results.AFTER_EACH_ATTEMPT
    quiz.save()
    due_now = ReviewCard.objects.filter(user=attempt.user, due__lte=timezone.now()).count()
    assert lesson_badge(signed_in, world) == due_now
    assert dashboard(signed_in)["due"] == due_now


def right_review_answer(learner, card_id: int) -> dict:
    from training import answer_forms, review

    card = review.get_card(learner, card_id)
    spec = review.shown_spec(card)
    right = next(c.key for c in spec.choices if c.correct)
    return {"choice": answer_forms.field_names(spec, review.scope(card))[right]}


def test_answering_a_review_card_lowers_the_badge_on_the_next_pages(signed_in, world, learner):
    assert badge(signed_in.get("/review/").content.decode()) == 5
    card = ReviewCard.objects.filter(user=learner).order_by("due", "pk").first()
    response = signed_in.post(f"/review/{card.pk}/answer/", right_review_answer(learner, card.pk))
    assert response.status_code == 302
    assert badge(signed_in.get(response["Location"]).content.decode()) == 4
    assert lesson_badge(signed_in, world) == 4
    assert dashboard(signed_in)["due"] == 4


def test_the_htmx_answer_on_the_review_page_swaps_a_fresh_badge_into_the_header(signed_in, learner):
    """Issue 14: the navigation badge was stale after answering a card (an htmx swap leaves the header)."""
    card = ReviewCard.objects.filter(user=learner).order_by("due", "pk").first()
    response = signed_in.post(
        f"/review/{card.pk}/answer/", right_review_answer(learner, card.pk), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert '<span class="badge" id="review-due-badge" hx-swap-oob="true">4<' in html
    assert '<span class="badge" id="menu-due-badge" aria-hidden="true" hx-swap-oob="true">4<' in html


def test_a_simulation_choice_counts_on_the_next_dashboard(signed_in, world):
    simulation = world["simulation"]
    response = signed_in.post(reverse("simulation_start", args=[simulation.slug]))
    assert response.status_code == 302
    run = simulation.runs.get()
    signed_in.get(response["Location"])
    response = signed_in.post(
        reverse("simulation_choose", args=[simulation.slug, run.pk]),
        {"node": run.current_node_id, "option": "a", "step": "1"},
    )
    assert response.status_code in (200, 302)
    run.refresh_from_db()
    assert run.finished_at is not None
    assert dashboard(signed_in) == {"badge": 5, "due": 5, "done": 1}


def test_archiving_a_question_takes_its_card_out_of_every_count(signed_in, world):
    question = world["practice_questions"][0]
    question.archived = True
    question.save()
    assert lesson_badge(signed_in, world) == 4
    assert dashboard(signed_in) == {"badge": 4, "due": 4, "done": 0}


def test_unpublishing_a_quiz_in_bulk_takes_its_cards_out(signed_in, world):
    from training import versions
    from training.models import Quiz

    # A bulk update (the admin's actions) bumps the course's content version after its update().
    Quiz.objects.filter(pk=world["practice"].pk).update(status="draft")
    versions.bump_course_content([world["course"].pk])
    assert lesson_badge(signed_in, world) == 3


def test_a_card_falling_due_shows_without_any_write(signed_in, world, learner):
    card = ReviewCard.objects.filter(user=learner).order_by("pk").first()
    scheduling.schedule_review(user=learner, question=card.question, correct=True, source="review")
    card.refresh_from_db()
    assert lesson_badge(signed_in, world) == 4
    later = card.due + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert lesson_badge(signed_in, world) == 5
        assert dashboard(signed_in)["due"] == 5


def test_joining_and_leaving_the_instructors_shows_on_the_next_page(signed_in, world, learner):
    def has_instructor_link() -> bool:
        return 'href="/instructor/"' in signed_in.get(world["lesson"].get_absolute_url()).content.decode()

    assert not has_instructor_link()
    learner.groups.add(Group.objects.get_or_create(name="Instructors")[0])
    assert has_instructor_link()
    learner.groups.clear()
    assert not has_instructor_link()


def test_a_new_account_in_place_of_a_deleted_one_starts_from_zero(
    signed_in, world, learner, django_user_model
):
    response = signed_in.post("/account/data/delete/", {"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 302
    again = django_user_model.objects.create_user(learner.username, password=PASSWORD)
    signed_in.force_login(again)
    assert lesson_badge(signed_in, world) == 0
    assert dashboard(signed_in) == {"badge": 0, "due": 0, "done": 0}
