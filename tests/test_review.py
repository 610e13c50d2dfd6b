"""Spaced-repetition review (training/review.py): FSRS scheduling, re-rating, and the /review/ pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fsrs import Rating

from tests.factories import make_course, make_lesson, make_module, make_question, make_quiz
from training import answer_forms, review, scheduling
from training.models import Quiz, QuizAttempt, ReviewCard, ReviewLog, Status

pytestmark = pytest.mark.django_db
User = get_user_model()
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def quiz():
    return make_quiz(make_module(make_course()))


@pytest.fixture
def question(quiz):
    return make_question(
        quiz, choices=[("Build trust first", True), ("Issue an ultimatum", False), ("Wait", False)]
    )


# --- FSRS scheduling ---------------------------------------------------------------------------------------


def test_first_answer_creates_one_card_and_one_log_in_utc(learner, question):
    card = scheduling.schedule_review(
        user=learner, question=question, correct=True, source="quiz", when=T0
    ).card
    assert ReviewCard.objects.filter(user=learner).count() == 1
    assert card.created_at == T0
    assert card.due.utcoffset() == timedelta(0)
    assert card.card["due"].endswith("+00:00")
    log = ReviewLog.objects.get(card=card)
    assert (log.rating, log.correct, log.source, log.reviewed_at) == (int(Rating.Good), True, "quiz", T0)
    assert log.log["review_datetime"].endswith("+00:00")
    assert log.log["card_before"]["state"] == 1  # the new card's state, kept for re-rating


def test_a_local_time_is_stored_as_utc(learner, question):
    from zoneinfo import ZoneInfo

    local = datetime(2025, 3, 1, 14, 0, tzinfo=ZoneInfo("Europe/Athens"))  # 12:00 UTC
    card = scheduling.schedule_review(
        user=learner, question=question, correct=True, source="quiz", when=local
    ).card
    assert card.created_at == T0
    assert ReviewLog.objects.get(card=card).log["review_datetime"] == "2025-03-01T12:00:00+00:00"


def test_a_wrong_answer_brings_the_card_back_sooner_than_a_right_one(learner, other_learner, question):
    wrong = scheduling.schedule_review(
        user=learner, question=question, correct=False, source="quiz", when=T0
    ).card
    right = scheduling.schedule_review(
        user=other_learner, question=question, correct=True, source="quiz", when=T0
    ).card
    assert T0 < wrong.due < right.due
    assert ReviewLog.objects.get(card=wrong).rating == int(Rating.Again)


def test_due_dates_move_further_out_with_each_right_answer(learner, question):
    when = T0
    intervals = []
    for _ in range(5):
        card = scheduling.schedule_review(
            user=learner, question=question, correct=True, source="review", when=when
        ).card
        intervals.append(card.due - when)
        when = card.due
    assert intervals == sorted(intervals)
    assert intervals[-1] > timedelta(days=3)
    assert ReviewLog.objects.filter(card=card).count() == 5


def test_a_lapse_after_a_run_of_right_answers_resets_to_a_short_interval(learner, question):
    when = T0
    for _ in range(4):
        card = scheduling.schedule_review(
            user=learner, question=question, correct=True, source="review", when=when
        ).card
        long_interval = card.due - when
        when = card.due
    lapsed = scheduling.schedule_review(
        user=learner, question=question, correct=False, source="review", when=when
    ).card
    assert lapsed.due - when < timedelta(hours=1) < long_interval


def test_hard_good_easy_order_the_due_dates(learner, question):
    due = {}
    for name, rating in (("hard", Rating.Hard), ("good", Rating.Good), ("easy", Rating.Easy)):
        user = User.objects.create_user(f"r-{name}", f"{name}@example.org", "pw-1234-abcd-x")
        card = scheduling.schedule_review(
            user=user, question=question, correct=True, source="quiz", when=T0
        ).card
        card = scheduling.schedule_review(
            user=user, question=question, correct=True, source="review", when=card.due, rating=rating
        ).card
        due[name] = card.due
    assert due["hard"] < due["good"] < due["easy"]


# --- Re-rating a right answer ------------------------------------------------------------------------------


def review_log(user, question, correct=True, when=T0):
    scheduling.schedule_review(
        user=user, question=question, correct=correct, source="quiz", when=when - timedelta(days=2)
    )
    card = ReviewCard.objects.get(user=user, question=question)
    card.due = when - timedelta(hours=1)
    card.save()
    scheduling.schedule_review(user=user, question=question, correct=correct, source="review", when=when)
    return ReviewLog.objects.filter(card=card).latest("reviewed_at")


def test_rerating_replaces_the_same_log_and_recomputes_the_card_from_before(learner, question):
    log = review_log(learner, question)
    good_due = ReviewCard.objects.get(pk=log.card_id).due
    scheduling.rerate(user=learner, log_id=log.pk, rating="easy")
    easy_due = ReviewCard.objects.get(pk=log.card_id).due
    scheduling.rerate(user=learner, log_id=log.pk, rating="hard")
    hard_due = ReviewCard.objects.get(pk=log.card_id).due
    assert hard_due < good_due < easy_due
    log.refresh_from_db()
    assert log.rating == int(Rating.Hard)
    assert log.log["rating"] == int(Rating.Hard)
    assert ReviewLog.objects.filter(card_id=log.card_id).count() == 2  # re-rating logs nothing new
    scheduling.rerate(user=learner, log_id=log.pk, rating="good")
    assert ReviewCard.objects.get(pk=log.card_id).due == good_due  # back to exactly the Good schedule


def test_only_a_right_latest_own_review_can_be_rerated(learner, other_learner, question):
    wrong = review_log(learner, question, correct=False)
    with pytest.raises(scheduling.ReviewError):
        scheduling.rerate(user=learner, log_id=wrong.pk, rating="easy")
    with pytest.raises(ReviewLog.DoesNotExist):
        scheduling.rerate(user=other_learner, log_id=wrong.pk, rating="easy")
    with pytest.raises(scheduling.ReviewError):
        scheduling.rerate(user=learner, log_id=wrong.pk, rating="nonsense")
    right = review_log(other_learner, question, correct=True)
    scheduling.schedule_review(
        user=other_learner, question=question, correct=True, source="quiz", when=T0 + timedelta(days=1)
    )
    with pytest.raises(scheduling.ReviewError):
        scheduling.rerate(user=other_learner, log_id=right.pk, rating="easy")


# --- The queue -------------------------------------------------------------------------------------------


def make_due(user, question, *, hours_ago: int = 1, correct: bool = False) -> ReviewCard:
    scheduling.schedule_review(user=user, question=question, correct=correct, source="quiz")
    card = ReviewCard.objects.get(user=user, question=question)
    card.due = timezone.now() - timedelta(hours=hours_ago)
    card.save(update_fields=["due"])
    return card


def test_queue_is_the_users_due_cards_oldest_first(learner, other_learner, quiz):
    q1, q2, q3 = (make_question(quiz) for _ in range(3))
    make_due(learner, q1, hours_ago=1)
    make_due(learner, q2, hours_ago=5)
    scheduling.schedule_review(user=learner, question=q3, correct=True, source="quiz")  # not due yet
    make_due(other_learner, q3, hours_ago=9)
    assert [c.question_id for c in review.due_cards(learner)] == [q2.pk, q1.pk]
    assert review.due_count(learner) == 2
    assert review.next_due_at(learner) is not None


def test_archived_draft_or_hidden_parent_questions_leave_the_queue(learner, quiz):
    archived, draft, in_draft_lesson = make_question(quiz), make_question(quiz), None
    lesson = make_lesson(quiz.module, status=Status.DRAFT)
    in_draft_lesson = make_question(lesson=lesson)
    for q in (archived, draft, in_draft_lesson):
        make_due(learner, q)
    archived.archived = True
    archived.save()
    draft.status = Status.DRAFT
    draft.save()
    assert review.due_count(learner) == 0


def test_open_assessment_questions_are_held_back(learner):
    module = make_module(make_course())
    assessment = make_quiz(module, mode=Quiz.Mode.ASSESSMENT)
    q = make_question(assessment)
    make_due(learner, q)
    attempt = QuizAttempt.objects.create(
        user=learner, quiz=assessment, number=1, started_at=timezone.now(), question_ids=[q.pk]
    )
    assert review.due_count(learner) == 0
    attempt.submitted_at = timezone.now()
    attempt.passed = True  # a failed one waits for the results policy (tests/test_quiz_results_policy.py)
    attempt.save()
    assert review.due_count(learner) == 1


# --- The pages -------------------------------------------------------------------------------------------


def choice_token(card: ReviewCard, text: str) -> str:
    card = review.get_card(card.user, card.pk)
    spec = review.shown_spec(card)
    key = next(c.key for c in spec.choices if c.text == text)
    return answer_forms.field_names(spec, review.scope(card))[key]


def test_review_needs_login(client):
    response = client.get("/review/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/review/")


def test_review_page_shows_the_oldest_due_question_without_revealing_answers(client, learner, question):
    card = make_due(learner, question)
    client.force_login(learner)
    response = client.get("/review/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 question due" in html
    assert question.prompt in html
    assert f'action="/review/{card.pk}/answer/"' in html
    for text in ("Build trust first", "Issue an ultimatum", "Wait"):
        assert text in html
    # No key, no id, no correctness: only opaque tokens.
    assert 'value="a"' not in html
    assert "correct" not in html.lower().replace("csrf", "")
    assert "Because." not in html  # option feedback appears only after answering


def test_nothing_due_says_when_the_next_review_is(client, learner, question):
    scheduling.schedule_review(user=learner, question=question, correct=True, source="quiz")
    client.force_login(learner)
    html = client.get("/review/").content.decode()
    assert "Nothing is due for review." in html
    assert "The next question is due <time datetime=" in html


def test_answering_wrong_logs_a_review_redirects_and_shows_feedback(client, learner, question):
    card = make_due(learner, question)
    client.force_login(learner)
    response = client.post(f"/review/{card.pk}/answer/", {"choice": choice_token(card, "Issue an ultimatum")})
    log = ReviewLog.objects.get(card=card, source="review")
    assert response.status_code == 302
    assert response["Location"] == f"/review/?reviewed={log.pk}"
    assert (log.correct, log.rating) == (False, int(Rating.Again))
    card.refresh_from_db()
    assert card.due > timezone.now()
    page = client.get(response["Location"]).content.decode()
    assert "Not quite" in page
    assert "Build trust first" in page  # the best answer, now that they have answered
    assert "That was easy" not in page  # no re-rating of a wrong answer
    assert "That was the last question due." in page


def test_answering_right_offers_hard_and_easy_which_reschedule(client, learner, question):
    card = make_due(learner, question, correct=True)
    client.force_login(learner)
    response = client.post(f"/review/{card.pk}/answer/", {"choice": choice_token(card, "Build trust first")})
    log = ReviewLog.objects.get(card=card, source="review")
    page = client.get(response["Location"]).content.decode()
    assert "That was hard" in page and "That was easy" in page
    card.refresh_from_db()
    good_due = card.due
    response = client.post(f"/review/rate/{log.pk}/", {"rating": "easy"})
    assert response.status_code == 302
    assert response["Location"] == f"/review/?reviewed={log.pk}"
    card.refresh_from_db()
    assert card.due > good_due
    log.refresh_from_db()
    assert log.rating == int(Rating.Easy)
    assert ReviewLog.objects.filter(card=card, source="review").count() == 1


def test_htmx_answer_returns_the_panel_with_feedback_and_progress_event(client, learner, question):
    card = make_due(learner, question)
    client.force_login(learner)
    response = client.post(
        f"/review/{card.pk}/answer/",
        {"choice": choice_token(card, "Build trust first")},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == '{"progress-changed": {}}'
    assert html.lstrip().startswith('<section id="review-panel"')
    assert "<html" not in html
    assert 'role="status"' in html and "data-focus-after-swap" in html
    assert "Correct" in html


def test_htmx_get_returns_the_panel_only(client, learner, question):
    make_due(learner, question)
    client.force_login(learner)
    response = client.get("/review/", headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<section id="review-panel"')
    assert "HX-Request" in response["Vary"]


def test_a_double_submit_is_logged_once(client, learner, question):
    card = make_due(learner, question)
    client.force_login(learner)
    data = {"choice": choice_token(card, "Wait")}
    first = client.post(f"/review/{card.pk}/answer/", data)
    second = client.post(f"/review/{card.pk}/answer/", data)
    assert ReviewLog.objects.filter(card=card, source="review").count() == 1
    assert first["Location"] == second["Location"]


def test_a_different_answer_to_a_card_not_due_is_refused(client, learner, question):
    card = make_due(learner, question)
    client.force_login(learner)
    client.post(f"/review/{card.pk}/answer/", {"choice": choice_token(card, "Wait")})
    response = client.post(f"/review/{card.pk}/answer/", {"choice": choice_token(card, "Build trust first")})
    assert response.status_code == 302
    assert response["Location"] == "/review/"
    assert ReviewLog.objects.filter(card=card, source="review").count() == 1
    htmx = client.post(
        f"/review/{card.pk}/answer/",
        {"choice": choice_token(card, "Build trust first")},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 409
    assert "not due for review yet" in htmx.content.decode()


def test_bad_input_gets_a_message_and_400_and_writes_nothing(client, learner, question):
    card = make_due(learner, question)
    client.force_login(learner)
    for data in ({}, {"choice": "forged-token"}):
        response = client.post(f"/review/{card.pk}/answer/", data)
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    assert not ReviewLog.objects.filter(card=card, source="review").exists()
    assert client.post(f"/review/rate/{999999}/", {"rating": "easy"}).status_code == 404
    assert client.get("/review/?reviewed=abc").status_code == 404


def test_other_learners_cards_and_logs_are_404(client, learner, other_learner, question):
    card = make_due(other_learner, question)
    log = review_log(other_learner, make_question(question.quiz))
    client.force_login(learner)
    assert (
        client.post(f"/review/{card.pk}/answer/", {"choice": choice_token(card, "Wait")}).status_code == 404
    )
    assert client.post(f"/review/rate/{log.pk}/", {"rating": "easy"}).status_code == 404
    # Ownership is checked before the posted rating: a bad rating on someone else's review is still a 404.
    assert client.post(f"/review/rate/{log.pk}/", {"rating": ""}).status_code == 404
    assert client.post(f"/review/rate/{log.pk}/", {"rating": "splendid"}).status_code == 404
    assert client.get(f"/review/?reviewed={log.pk}").status_code == 404
    assert not ReviewLog.objects.filter(card=card, source="review").exists()


def test_review_requires_csrf(learner, question):
    from django.test import Client

    card = make_due(learner, question)
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert (
        client.post(f"/review/{card.pk}/answer/", {"choice": choice_token(card, "Wait")}).status_code == 403
    )


def test_order_questions_are_not_shown_in_their_right_order(client, learner, quiz):
    question = make_question(
        quiz, kind="order", choices=[(f"Step {n}", n) for n in range(1, 7)], prompt="Put the steps in order."
    )
    card = make_due(learner, question)
    client.force_login(learner)
    html = client.get("/review/").content.decode()
    shown = re.findall(r'class="step-text"[^>]*>Step (\d)', html)
    assert sorted(shown) == [str(n) for n in range(1, 7)]
    assert shown != sorted(shown)  # shuffled, stably per card
    assert shown == re.findall(r'class="step-text"[^>]*>Step (\d)', client.get("/review/").content.decode())
    assert card.pk


def test_review_page_queries_do_not_grow_with_the_queue(client, learner, quiz):
    client.force_login(learner)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/review/").status_code == 200
        return len(ctx)

    make_due(learner, make_question(quiz))
    small = count()
    for _ in range(15):
        make_due(learner, make_question(quiz))
    assert count() == small
