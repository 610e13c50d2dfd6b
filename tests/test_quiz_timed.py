"""Timed quizzes: the deadline (limit plus the learner's extra time), answers refused after it and its grace,
attempts submitted as of the deadline on any read and by the cron command, the timer, extra time set by an
instructor, and the YAML. A fixed clock (`now=`) instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import right_answer_data
from tests.learner_data import make_cohort
from tests.test_curriculum_errors import edit, example_text
from training import quizzes
from training.answering import answer_question
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.curriculum.problems import CurriculumError
from training.models import Accommodation, Course, Question, Quiz, QuizAttempt, Response
from training.views.quizzes import shown_spec

pytestmark = pytest.mark.django_db

GRACE = timedelta(seconds=30)  # settings.QUIZ_GRACE_SECONDS


def timed_quiz(minutes: int = 2, **fields) -> Quiz:
    course = f.make_course()
    quiz = f.make_quiz(f.make_module(course), mode=Quiz.Mode.ASSESSMENT, time_limit=minutes, **fields)
    f.make_question(quiz, kind="single")
    f.make_question(quiz, kind="single")
    return quiz


def question_url(attempt: QuizAttempt, number: int) -> str:
    return reverse("quiz_question", args=[attempt.quiz.slug, attempt.pk, number])


def first_question(attempt: QuizAttempt) -> Question:
    return Question.objects.get(pk=attempt.question_ids[0])


def started_ago(user, quiz: Quiz, ago: timedelta) -> QuizAttempt:
    attempt, _ = quizzes.start_attempt(user=user, quiz=quiz, now=datetime.now(UTC) - ago)
    return attempt


def answer_first(user, attempt: QuizAttempt, when: datetime):
    question = first_question(attempt)
    spec = shown_spec(attempt, question)
    choice = next(c for c in spec.choices if c.correct)
    return answer_question(
        user=user,
        question=question,
        spec=spec,
        answer={"choice": choice.key},
        recorder=quizzes.InAttempt(attempt),
        when=when,
    )


# --- The deadline ----------------------------------------------------------------------------------------------


def test_the_deadline_is_the_start_plus_the_limit(learner):
    quiz = timed_quiz(2)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=2)


def test_an_untimed_quiz_has_no_deadline(learner):
    quiz = timed_quiz(0)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    assert attempt.deadline is None


def test_extra_time_lengthens_the_deadline_by_its_percent(learner, other_learner):
    quiz = timed_quiz(20)
    quizzes.set_extra_time(user=learner, course=quiz.course, extra_percent=50, set_by=None)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(minutes=30)
    others, _ = quizzes.start_attempt(user=other_learner, quiz=quiz, now=start)
    assert others.deadline == start + timedelta(minutes=20)


def test_extra_time_set_during_an_attempt_moves_its_deadline(learner):
    quiz = timed_quiz(20)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, now=start)
    assert quizzes.set_extra_time(user=learner, course=quiz.course, extra_percent=25, set_by=None) == 1
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=25)
    quizzes.set_extra_time(user=learner, course=quiz.course, extra_percent=0, set_by=None)
    assert not Accommodation.objects.exists()
    attempt.refresh_from_db()
    assert attempt.deadline == start + timedelta(minutes=20)


# --- Answers after the deadline ------------------------------------------------------------------------------------


def test_an_answer_within_the_grace_counts(learner):
    quiz = timed_quiz(2)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, now=start)
    answered = answer_first(learner, attempt, start + timedelta(minutes=2) + GRACE)
    assert answered.recorded and Response.objects.count() == 1


def test_an_answer_after_the_grace_is_refused_and_nothing_is_written(learner):
    quiz = timed_quiz(2)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, now=start)
    with pytest.raises(quizzes.TimeUp):
        answer_first(learner, attempt, start + timedelta(minutes=2) + GRACE + timedelta(seconds=1))
    assert not Response.objects.exists()
    assert not learner.review_cards.exists()


def test_a_posted_answer_after_the_deadline_gets_409_and_the_attempt_is_submitted_as_of_its_deadline(
    client, learner
):
    attempt = started_ago(learner, timed_quiz(2), timedelta(minutes=3))
    client.force_login(learner)
    response = client.post(question_url(attempt, 1), right_answer_data(first_question(attempt), attempt))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Time is up: this attempt ended at" in html and "answers sent after that are not counted" in html
    assert reverse("quiz_results", args=[attempt.quiz.slug, attempt.pk]) in html
    assert not Response.objects.exists()
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == 0 and attempt.percent == 0


def test_an_htmx_answer_after_the_deadline_gets_409_and_goes_to_the_results(client, learner):
    attempt = started_ago(learner, timed_quiz(2), timedelta(minutes=3))
    client.force_login(learner)
    response = client.post(
        question_url(attempt, 1),
        right_answer_data(first_question(attempt), attempt),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert response["HX-Redirect"] == reverse("quiz_results", args=[attempt.quiz.slug, attempt.pk])
    assert not Response.objects.exists()


def test_a_posted_answer_within_the_grace_is_saved(client, learner):
    attempt = started_ago(learner, timed_quiz(2), timedelta(minutes=2, seconds=10))
    client.force_login(learner)
    response = client.post(question_url(attempt, 1), right_answer_data(first_question(attempt), attempt))
    assert response.status_code == 302
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_submitting_after_the_deadline_records_the_deadline(learner):
    quiz = timed_quiz(2)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz, now=start)
    submitted, won = quizzes.submit_attempt(
        user=learner, attempt=attempt, now=start + timedelta(minutes=2, seconds=20)
    )
    assert won and submitted.submitted_at == start + timedelta(minutes=2)
    early, _ = quizzes.start_attempt(user=learner, quiz=quiz, now=start + timedelta(minutes=5))
    submitted, _ = quizzes.submit_attempt(user=learner, attempt=early, now=start + timedelta(minutes=6))
    assert submitted.submitted_at == start + timedelta(
        minutes=6
    )  # before its deadline: when it was submitted


# --- Submitted at the deadline without the learner ---------------------------------------------------------------


def test_the_command_submits_expired_attempts_as_of_their_deadline_once(learner, other_learner):
    quiz = timed_quiz(2)
    expired = started_ago(learner, quiz, timedelta(minutes=3))
    answer_first(learner, expired, expired.started_at + timedelta(minutes=1))
    in_grace = started_ago(other_learner, quiz, timedelta(minutes=2, seconds=10))
    out = StringIO()
    call_command("submit_expired_attempts", stdout=out)
    assert out.getvalue().strip() == "1 expired attempt submitted"
    expired.refresh_from_db()
    assert expired.submitted_at == expired.deadline
    assert expired.score == 1.0 and expired.percent == 50.0
    in_grace.refresh_from_db()
    assert in_grace.submitted_at is None  # its answers may still arrive
    out = StringIO()
    call_command("submit_expired_attempts", stdout=out)  # again (another server's cron): nothing more
    assert out.getvalue().strip() == "0 expired attempts submitted"
    # The learner's own submit afterwards is told it was already submitted.
    assert quizzes.submit_attempt(user=learner, attempt=expired)[1] is False


def test_submit_expired_leaves_untimed_and_unexpired_attempts_open(learner, other_learner):
    untimed = started_ago(learner, timed_quiz(0), timedelta(days=3))
    running = started_ago(other_learner, timed_quiz(10), timedelta(minutes=3))
    assert quizzes.submit_expired(QuizAttempt.objects.all()) == 0
    assert QuizAttempt.objects.filter(pk__in=[untimed.pk, running.pk], submitted_at__isnull=True).count() == 2
    later = datetime.now(UTC) + timedelta(minutes=8)
    assert quizzes.submit_expired(QuizAttempt.objects.all(), now=later) == 1
    running.refresh_from_db()
    assert running.submitted_at == running.deadline


@pytest.mark.parametrize("page", ["quiz_detail", "quiz_attempt", "quiz_question", "quiz_results", "progress"])
def test_reading_an_expired_attempt_submits_it_as_of_its_deadline(client, learner, page):
    quiz = timed_quiz(2)
    attempt = started_ago(learner, quiz, timedelta(minutes=5))
    client.force_login(learner)
    urls = {
        "quiz_detail": reverse("quiz_detail", args=[quiz.slug]),
        "quiz_attempt": reverse("quiz_attempt", args=[quiz.slug, attempt.pk]),
        "quiz_question": question_url(attempt, 1),
        "quiz_results": reverse("quiz_results", args=[quiz.slug, attempt.pk]),
        "progress": reverse("progress"),
    }
    response = client.get(urls[page])
    assert response.status_code in (200, 302)
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    if page == "quiz_attempt":
        assert response["Location"] == reverse("quiz_results", args=[quiz.slug, attempt.pk])


def test_instructor_statistics_count_an_expired_attempt_as_submitted(client, learner, instructor):
    quiz = timed_quiz(2)
    make_cohort(quiz.course, instructors=[instructor], learners=[learner])
    attempt = started_ago(learner, quiz, timedelta(minutes=5))
    cohort = quiz.course.cohorts.get()
    client.force_login(instructor)
    html = client.get(reverse("instructor_quiz", args=[cohort.pk, quiz.slug])).content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert response_ok(html)


def response_ok(html: str) -> bool:
    return "<h1" in html


def test_starting_again_after_an_expired_attempt_opens_a_new_one(learner):
    quiz = timed_quiz(2)
    old = started_ago(learner, quiz, timedelta(minutes=5))
    new, created = quizzes.start_attempt(user=learner, quiz=quiz)
    assert created and new.number == 2
    old.refresh_from_db()
    assert old.submitted_at == old.deadline


# --- The timer ------------------------------------------------------------------------------------------------------


def test_the_question_page_shows_the_time_left_and_the_deadline_without_javascript(client, learner):
    attempt = started_ago(learner, timed_quiz(20), timedelta(minutes=5))
    client.force_login(learner)
    html = client.get(question_url(attempt, 1)).content.decode()
    assert "data-quiz-timer" in html
    assert "Time left: <strong data-timer-text>about 15 minutes</strong>" in html
    assert f'<time datetime="{attempt.deadline.isoformat()}">{attempt.deadline:%H:%M:%S} UTC</time>' in html
    assert 'aria-live="polite"' in html and "quiz-timer.js" in html
    assert "Hide timer" in html
    summary = client.get(reverse("quiz_attempt", args=[attempt.quiz.slug, attempt.pk])).content.decode()
    assert "data-quiz-timer" in summary


def test_an_untimed_quiz_shows_no_timer(client, learner):
    attempt = started_ago(learner, timed_quiz(0), timedelta(minutes=5))
    client.force_login(learner)
    assert "data-quiz-timer" not in client.get(question_url(attempt, 1)).content.decode()


def test_the_quiz_page_states_the_limit_and_the_learners_extra_time(client, learner):
    quiz = timed_quiz(20)
    client.force_login(learner)
    assert "20 minutes per attempt" in client.get(quiz.get_absolute_url()).content.decode()
    quizzes.set_extra_time(user=learner, course=quiz.course, extra_percent=50, set_by=None)
    assert "(+50% extra time for you)" in client.get(quiz.get_absolute_url()).content.decode()


# --- Extra time, set by an instructor ----------------------------------------------------------------------------


def test_an_instructor_sets_extra_time_for_a_learner_of_their_cohort(client, learner, instructor):
    quiz = timed_quiz(20)
    cohort = make_cohort(quiz.course, instructors=[instructor], learners=[learner])
    client.force_login(instructor)
    page = client.get(reverse("instructor_cohort", args=[cohort.pk])).content.decode()
    assert (
        "Extra time on timed quizzes" in page
        and '<label for="id_learner">Learner’s username:</label>' in page
    )
    assert 'type="text" name="learner"' in page and "<option" not in page.split("extra-time-heading")[1]
    response = client.post(
        reverse("instructor_extra_time", args=[cohort.pk]), {"learner": "lena", "extra_percent": "25"}
    )
    assert response.status_code == 302
    row = Accommodation.objects.get()
    assert (row.user, row.course, row.extra_percent, row.set_by) == (learner, quiz.course, 25, instructor)
    page = client.get(reverse("instructor_cohort", args=[cohort.pk])).content.decode()
    assert "lena now has 25% extra time on timed quizzes." in page
    assert '<th scope="row">lena</th><td class="num">25 %</td>' in page


def test_extra_time_only_for_learners_of_the_cohort(
    client, learner, other_learner, instructor, other_instructor
):
    quiz = timed_quiz(20)
    mine = make_cohort(quiz.course, instructors=[instructor], learners=[learner])
    theirs = make_cohort(quiz.course, instructors=[other_instructor], learners=[other_learner])
    client.force_login(instructor)
    url = reverse("instructor_extra_time", args=[mine.pk])
    response = client.post(url, {"learner": other_learner.username, "extra_percent": "50"})
    assert response.status_code == 400
    assert "No learner of this cohort has that username." in response.content.decode()
    response = client.post(
        reverse("instructor_extra_time", args=[theirs.pk]),
        {"learner": learner.username, "extra_percent": "50"},
    )
    assert response.status_code == 404
    response = client.post(url, {"learner": learner.username, "extra_percent": "500"})
    assert response.status_code == 400
    assert not Accommodation.objects.exists()


def test_a_learner_cannot_set_extra_time(client, learner):
    quiz = timed_quiz(20)
    cohort = make_cohort(quiz.course, learners=[learner])
    client.force_login(learner)
    response = client.post(
        reverse("instructor_extra_time", args=[cohort.pk]),
        {"learner": learner.username, "extra_percent": "50"},
    )
    assert response.status_code == 403
    assert not Accommodation.objects.exists()


# --- The YAML ---------------------------------------------------------------------------------------------------------


def test_time_limit_loads_and_exports(tmp_path: Path):
    text = edit(example_text(), "        shuffle: true\n", "        shuffle: true\n        time_limit: 15\n")
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    load_curriculum([path])
    assert Quiz.objects.get(slug="example-check").time_limit == 15
    course = Course.objects.get(slug="example-course")
    assert "        time_limit: 15\n" in export_course(course)
    Quiz.objects.filter(slug="example-check").update(time_limit=0)
    assert "time_limit" not in export_course(course)


def test_a_time_limit_out_of_range_is_refused(tmp_path: Path):
    text = edit(example_text(), "        shuffle: true\n", "        shuffle: true\n        time_limit: -5\n")
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurriculumError) as exc:
        load_curriculum([path])
    assert "time_limit" in str(exc.value)
    assert not Quiz.objects.exists()
