"""The "My progress" dashboard (/progress/) and the refreshable progress bar (/progress/summary/)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    make_course,
    make_lesson,
    make_module,
    make_objective,
    make_question,
    make_quiz,
    make_simulation,
    make_track,
)
from training import activity, progress, quizzes, review, scheduling
from training.models import CheckAnswer, LessonProgress, QuizAttempt, Response, ReviewCard, SimulationRun

pytestmark = pytest.mark.django_db
User = get_user_model()
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def course():
    """Two modules; module 1 has two lessons (one about Track I), a practice quiz of three questions tagged with
    objective A, and a simulation; module 2 has one lesson and a quiz of two questions tagged with objective B."""
    course = make_course(title="Tracks course")
    track_one = make_track(course, name="Track I", slug="track-one")
    make_track(course, name="Track II", slug="track-two")
    m1 = make_module(course, title="Foundations")
    m2 = make_module(course, title="Bridging")
    obj_a = make_objective(m1, text="Tell the tracks apart", slug="obj-a")
    obj_b = make_objective(m2, text="Combine the tracks", slug="obj-b")
    l1 = make_lesson(m1, title="What Track I is")
    l1.tracks.add(track_one)
    make_lesson(m1, title="What Track II is")
    make_lesson(m2, title="Track 1.5")
    q1 = make_quiz(m1, title="Foundations quiz", pass_mark=60)
    for n in range(3):
        question = make_question(q1, prompt=f"Foundations question {n}")
        question.objectives.add(obj_a)
        question.tracks.add(track_one)
    q2 = make_quiz(m2, title="Bridging quiz")
    for n in range(2):
        make_question(q2, prompt=f"Bridging question {n}").objectives.add(obj_b)
    make_simulation(m1, title="Harbour standoff")
    return course


def submit(user, quiz, results: list[bool], *, when: datetime, number: int) -> QuizAttempt:
    questions = list(quiz.questions.order_by("position"))
    right = sum(results)
    attempt = QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        number=number,
        started_at=when - timedelta(minutes=5),
        submitted_at=when,
        question_ids=[q.pk for q in questions],
        score=right,
        max_score=len(results),
        percent=100 * right / len(results),
        passed=100 * right / len(results) >= quiz.pass_mark,
    )
    for question, correct in zip(questions, results, strict=False):
        Response.objects.create(
            attempt=attempt,
            question=question,
            answer={},
            score=1.0 if correct else 0.0,
            correct=correct,
            snapshot={},
            answered_at=when,
        )
        scheduling.schedule_review(user=user, question=question, correct=correct, source="quiz", when=when)
    return attempt


def test_dashboard_needs_login(client):
    response = client.get("/progress/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/progress/"


def test_empty_dashboard_for_a_new_learner(client, learner, course):
    client.force_login(learner)
    html = client.get("/progress/").content.decode()
    assert "<h1>My progress</h1>" in html
    assert "Start reading “What Track I is”" in html  # Continue: the first item of the path
    assert "No quiz submitted yet" in html
    assert "Nothing yet." in html
    assert "Not started" in html
    assert 'href="/review/"' in html


def test_dashboard_shows_percentages_levels_scores_and_activity(client, learner, other_learner, course):
    quiz = course.modules.get(title="Foundations").quizzes.get()
    lesson = course.modules.get(title="Foundations").lessons.get(title="What Track I is")
    LessonProgress.objects.create(
        user=learner, lesson=lesson, viewed_at=T0, completed_at=T0 + timedelta(minutes=9)
    )
    submit(learner, quiz, [True, False, False], when=T0 + timedelta(days=1), number=1)
    submit(learner, quiz, [True, True, False], when=T0 + timedelta(days=3), number=2)
    submit(other_learner, quiz, [True, True, True], when=T0, number=1)  # never shown to the learner

    client.force_login(learner)
    html = client.get("/progress/").content.decode()

    # Objective A: latest answers 2 of 3 right, need 3 → familiar; objective B untouched → not started.
    rows = dict(re.findall(r'<tr><th scope="row">(.*?)</th><td><span class="level level-([a-z-]+)"', html))
    assert rows == {"Tell the tracks apart": "familiar", "Combine the tracks": "not-started"}
    assert "Familiar</span>" in html
    # Course mastery (50 + 0) / 2 = 25%; the Foundations module 50%.
    assert re.search(r"Course mastery</dt>\s*<dd><span class=\"stat-value\">25%", html)
    assert re.search(r"Foundations</p>.*?· mastery 50%</p>", html, re.S)
    assert "2 of 3 right · 3 questions" in html
    assert "Lessons: 1 of 2 completed. Quizzes: 1 of 1 passed. Simulations: 0 of 1 finished." in html
    # Module progress: Foundations has 4 items (2 lessons, sim, quiz): lesson done, quiz passed (67% ≥ 60).
    assert re.search(r'aria-labelledby="module-\d+-label">50%</progress>', html)
    # Track I: 1 of 1 lesson.
    assert "1 of 1 lesson" in html
    # Best and latest: 67% both; two attempts; the chart has two points and the table the same numbers.
    assert re.search(
        r"Foundations quiz</a></th>\s*<td class=\"num\">2</td>\s*<td class=\"num\">67%</td>\s*<td class=\"num\">67%</td>",
        html,
    )
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in html
    assert (
        "Your latest submitted quiz 2 attempts, oldest first, scored from 0 to 100%: lowest 33%, highest 67%, latest 67%."
        in html
    )
    assert html.count('class="chart-point') == 2
    assert '<td class="num">33%</td>' in html
    # Days active: day 0 (lesson), day 1 and day 3 (quizzes).
    assert re.search(r"Days active</dt>\s*<dd><span class=\"stat-value\">3</span>", html)
    assert "Completed the lesson “What Track I is”" in html
    assert "Submitted “Foundations quiz” (attempt 2): 67%, passed" in html
    # Continue goes to the next unfinished item.
    assert "Start reading “What Track II is”" in html


def test_simulation_outcomes_reached_are_listed(client, learner, course):
    simulation = course.modules.get(title="Foundations").simulations.get()
    success = simulation.nodes.get(key="success")
    SimulationRun.objects.create(
        user=learner,
        simulation=simulation,
        current_node=success,
        started_at=T0,
        finished_at=T0 + timedelta(minutes=5),
        ending=success,
    )
    client.force_login(learner)
    html = client.get("/progress/").content.decode()
    assert "Harbour standoff" in html
    assert 'Agreement <span class="muted">(Success)</span>' in html
    assert "Finished the simulation “Harbour standoff”: Agreement" in html


def test_review_count_and_link(client, learner, course):
    question = course.modules.get(title="Foundations").quizzes.get().questions.first()
    scheduling.schedule_review(user=learner, question=question, correct=False, source="quiz")
    ReviewCard.objects.filter(user=learner).update(due=timezone.now() - timedelta(minutes=1))
    client.force_login(learner)
    html = client.get("/progress/").content.decode()
    assert "Review (1 due)" in html
    assert (
        '<span class="badge" id="review-due-badge">1<span class="visually-hidden"> due</span></span>' in html
    )  # the navigation's count


def test_active_dates_are_distinct_utc_dates(learner, course):
    lesson = course.modules.first().lessons.first()
    late = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    LessonProgress.objects.create(
        user=learner, lesson=lesson, viewed_at=late, completed_at=late + timedelta(hours=1)
    )
    question = course.modules.get(title="Bridging").quizzes.get().questions.first()
    scheduling.schedule_review(user=learner, question=question, correct=True, source="review", when=late)
    assert activity.active_dates(learner) == {datetime(2025, 3, 1).date(), datetime(2025, 3, 2).date()}


def test_summary_fragment_for_htmx_refresh(client, learner, course):
    client.force_login(learner)
    response = client.get("/progress/summary/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="progress-summary"' in html
    assert 'hx-trigger="progress-changed from:body"' in html
    assert "0 of 6 items done" in html
    assert "<html" not in html


def test_summary_is_empty_for_visitors(client, course):
    assert client.get("/progress/summary/").content.decode().strip() == ""


def test_unknown_course_is_404(client, learner, course):
    client.force_login(learner)
    assert client.get("/progress/?course=nope").status_code == 404


def add_history(user, course, *, responses: int) -> None:
    """`responses` past quiz responses (with their review logs), check answers, lesson progress and runs."""
    quizzes = list(course.modules.all().values_list("quizzes", flat=True))
    questions = {q: list(QuizAttemptQuestions(q)) for q in quizzes}
    attempts = []
    number = 0
    while sum(len(a[1]) for a in attempts) < responses:
        for quiz_id, qs in questions.items():
            number += 1
            attempts.append((quiz_id, qs, number))
    made = 0
    for quiz_id, qs, number in attempts:
        when = T0 + timedelta(hours=number)
        attempt = QuizAttempt.objects.create(
            user=user,
            quiz_id=quiz_id,
            number=number,
            started_at=when,
            submitted_at=when,
            question_ids=[q.pk for q in qs],
            score=1,
            max_score=len(qs),
            percent=50,
            passed=False,
        )
        rows = []
        for i, question in enumerate(qs):
            if made >= responses:
                break
            rows.append(
                Response(
                    attempt=attempt,
                    question=question,
                    answer={},
                    score=i % 2,
                    correct=bool(i % 2),
                    snapshot={},
                    answered_at=when,
                )
            )
            made += 1
        Response.objects.bulk_create(rows)
    for question in [q for qs in questions.values() for q in qs]:
        for day in range(3):
            scheduling.schedule_review(
                user=user,
                question=question,
                correct=bool(day % 2),
                source="review",
                when=T0 + timedelta(days=day),
            )
    for lesson in course.modules.first().lessons.all():
        LessonProgress.objects.create(user=user, lesson=lesson, viewed_at=T0, completed_at=T0)
        for check in [make_question(lesson=lesson)]:
            CheckAnswer.objects.create(
                user=user, question=check, answer={}, score=1, correct=True, answered_at=T0
            )


def QuizAttemptQuestions(quiz_id):  # noqa: N802 - reads like a query
    from training.models import Question

    return Question.objects.filter(quiz_id=quiz_id).order_by("position")


def dashboard_queries(client, *, warm: bool = True) -> int:
    """Queries of one dashboard request; `warm`: after a first request has cached the course's content
    (training.content_cache, keyed by the content version, which add_history's new checks change)."""
    if warm:
        client.get("/progress/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/progress/")
        assert response.status_code == 200
    return len(ctx)


def test_dashboard_runs_the_same_number_of_queries_with_0_and_2000_responses(client, learner, course):
    client.force_login(learner)
    empty = dashboard_queries(client)
    add_history(learner, course, responses=2000)
    assert Response.objects.filter(attempt__user=learner).count() == 2000
    full = dashboard_queries(client)
    assert full == empty
    # Warm: the session and user, the published courses, the timed attempts past their deadline (none), the
    # learner's versions with the navigation's instructor flag (one query: training.navigation); the
    # learner's part of the page and the review queue's figures come from the cache.
    assert full <= 5
    # Cold (the content changed since the last request): the curriculum is read again (the path's five,
    # mastery's four), the learner's rows (thirteen) and the review queue (held-back questions, one aggregate).
    # Before the navigation's figures were cached this was 8 + 22 at most.
    make_lesson(course.modules.first(), title="One more lesson")
    assert dashboard_queries(client, warm=False) <= 29


def main(html: str) -> str:
    """The page's main part, without the per-request CSRF tokens of its forms (the weekly goal's)."""
    part = html[html.index('<main id="main"') : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', part)


def test_the_cached_dashboard_changes_at_once_after_a_lesson_completion_an_answer_and_a_review(
    client, learner, course
):
    foundations = course.modules.get(title="Foundations")
    client.force_login(learner)
    html = client.get("/progress/").content.decode()
    assert "Nothing yet." in html
    assert main(client.get("/progress/").content.decode()) == main(html)  # from the cache, the same page

    lesson = foundations.lessons.get(title="What Track I is")
    assert client.post(f"/lessons/{lesson.slug}/complete/").status_code in (200, 302)
    html = client.get("/progress/").content.decode()
    assert "Completed the lesson “What Track I is”" in html
    assert "Start reading “What Track II is”" in html

    submit(learner, foundations.quizzes.get(), [True, True, False], when=timezone.now(), number=1)
    html = client.get("/progress/").content.decode()
    assert "Submitted “Foundations quiz” (attempt 1): 67%, passed" in html
    assert "2 of 3 right · 3 questions" in html

    question = course.modules.get(title="Bridging").quizzes.get().questions.first()
    scheduling.schedule_review(user=learner, question=question, correct=True, source="review")
    html = client.get("/progress/").content.decode()
    assert f"Reviewed “{question.prompt}”: right" in html


def test_the_cached_dashboard_counts_reviews_falling_due_without_any_new_row(client, learner, course):
    question = course.modules.get(title="Foundations").quizzes.get().questions.first()
    scheduling.schedule_review(user=learner, question=question, correct=False, source="quiz")
    ReviewCard.objects.filter(user=learner).update(due=timezone.now() + timedelta(hours=1))
    client.force_login(learner)
    html = client.get("/progress/").content.decode()
    assert "Review (none due)" in html
    assert "next due <time datetime=" in html and ">in 1 hour</time>" in html
    # Time passes (the card's due date is now behind us): the count is right although the learner did nothing
    # (the cached count is kept with the time the next card falls due: training.navigation).
    later = timezone.now() + timedelta(hours=1, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        html = client.get("/progress/").content.decode()
    assert "Review (1 due)" in html
    assert re.search(r"Reviews due</dt>\s*<dd><span class=\"stat-value\">1</span></dd>", html)
    assert '<span class="badge" id="review-due-badge">1<' in html


def test_every_workflow_that_writes_learner_state_gives_a_new_version_and_only_for_its_learner(
    learner, other_learner, course
):
    """The dashboard caches the learner's part under versions.learner_version(): each product workflow that
    writes the learner's state must replace it (and leave every other learner's alone)."""
    from training import answering, cohorts, grading, lessons, quizzes, simulation, versions

    foundations = course.modules.get(title="Foundations")
    lesson = foundations.lessons.first()
    check = make_question(None, lesson=lesson, prompt="A check")
    quiz = foundations.quizzes.get()
    seen = [versions.learner_version(learner)]
    others = versions.learner_version(other_learner)

    def changed() -> bool:
        seen.append(versions.learner_version(learner))
        return seen[-1] != seen[-2]

    lessons.record_view(user=learner, lesson=lesson)
    assert changed()
    lessons.complete_lesson(user=learner, lesson=lesson)
    assert changed()
    spec = grading.spec_from_question(check)
    answering.answer_question(
        user=learner, question=check, spec=spec, answer={"choice": "a"}, recorder=lessons.InLessonCheck()
    )
    assert changed()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    assert changed()
    question = quiz.questions.order_by("position").first()
    spec = grading.spec_from_question(question)
    answering.answer_question(
        user=learner,
        question=question,
        spec=spec,
        answer={"choice": "b"},
        recorder=quizzes.InAttempt(attempt),
    )
    assert changed()
    quizzes.submit_attempt(user=learner, attempt=attempt)
    assert changed()
    log = scheduling.schedule_review(user=learner, question=question, correct=True, source="review")
    assert changed()
    scheduling.rerate(user=learner, log_id=log.pk, rating="easy")
    assert changed()
    run = simulation.start_run(user=learner, simulation=foundations.simulations.get())
    assert changed()
    simulation.choose(user=learner, run_id=run.pk, node_id=run.current_node_id, option_key="a", step_number=1)
    assert changed()
    cohort = cohorts.Cohort.objects.create(name="Cohort", course=course, code="ABCD-2345")
    cohorts.join_cohort(user=learner, cohort=cohort)
    assert changed()
    assert versions.learner_version(other_learner) == others


def test_summary_queries_are_bounded(client, learner, course):
    client.force_login(learner)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/progress/summary/")
    small = len(ctx)
    add_history(learner, course, responses=200)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/progress/summary/")
    assert len(ctx) == small


def test_continue_resumes_an_unfinished_quiz_attempt(client, learner, course):
    foundations = course.modules.get(title="Foundations")
    for lesson in foundations.lessons.all():
        LessonProgress.objects.create(user=learner, lesson=lesson, viewed_at=T0, completed_at=T0)
    simulation = foundations.simulations.get()
    ending = simulation.nodes.get(key="success")
    SimulationRun.objects.create(
        user=learner, simulation=simulation, current_node=ending, started_at=T0, finished_at=T0, ending=ending
    )
    quiz = foundations.quizzes.get()
    client.force_login(learner)
    assert "Start the quiz “Foundations quiz”" in client.get("/progress/").content.decode()
    quizzes.start_attempt(user=learner, quiz=quiz)
    html = client.get("/progress/").content.decode()
    assert f'<a class="button" href="/quizzes/{quiz.slug}/">Resume the quiz “Foundations quiz”</a>' in html


def test_dashboard_counts_opened_and_completed_lessons(client, learner, course):
    foundations = course.modules.get(title="Foundations")
    LessonProgress.objects.create(
        user=learner, lesson=foundations.lessons.get(title="What Track II is"), viewed_at=T0
    )
    LessonProgress.objects.create(
        user=learner, lesson=foundations.lessons.get(title="What Track I is"), viewed_at=T0, completed_at=T0
    )
    client.force_login(learner)
    html = client.get("/progress/").content.decode()
    assert "Lessons: 1 of 2 completed, 1 opened." in html
    assert "Lessons: 0 of 1 completed." in html  # Bridging


def test_dashboard_html_stays_small_for_a_long_history_on_the_shipped_course(client, learner):
    """The dashboard's HTML stays bounded whatever the history (it shows bounded lists, not everything). The
    binding limit is tests/test_page_weight.py (100 KB with the CSS and JS); this guard was 30 KB and is 38 KB
    since the page shows the capstone, the streak, the weekly goal form, the figures' definitions and the
    chart's legend."""
    from django.core.management import call_command

    from training.models import Lesson, Question, Quiz

    call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
    now = timezone.now()
    quizzes = list(Quiz.objects.all())
    for n in range(40):
        QuizAttempt.objects.create(
            user=learner,
            quiz=quizzes[n % len(quizzes)],
            number=n + 1,
            started_at=now,
            submitted_at=now - timedelta(hours=n),
            percent=(n * 37) % 100,
            passed=n % 2 == 0,
        )
    for lesson in Lesson.objects.all():
        LessonProgress.objects.create(user=learner, lesson=lesson, viewed_at=now, completed_at=now)
    for question in Question.objects.all():
        scheduling.schedule_review(
            user=learner, question=question, correct=question.pk % 3 == 0, source="review"
        )
    client.force_login(learner)
    html = client.get("/progress/").content
    assert len(html) < 38 * 1024, f"{len(html) / 1024:.1f} KB"


def _eligibility_facts(e):
    final = (e.final.quiz.pk, e.final.rule, e.final.met) if e.final else None
    return (
        e.lessons_total,
        e.lessons_done,
        [(q.quiz.pk, q.rule, q.met) for q in e.quizzes],
        final,
        e.eligible,
    )


@pytest.mark.parametrize("responses", [0, 40])
def test_dashboard_shares_its_reads_but_agrees_with_each_stand_alone_function(learner, course, responses):
    """The dashboard derives eligibility, days active and the review queue from shared reads; each must
    equal what the stand-alone function computes."""
    from training import certificates
    from training.models import Quiz

    final = course.modules.get(title="Bridging").quizzes.get()
    Quiz.objects.filter(pk=final.pk).update(mode=Quiz.Mode.ASSESSMENT)
    course.final_quiz = final
    course.save()
    add_history(learner, course, responses=responses)
    now = T0 + timedelta(days=2)
    dash = progress.dashboard(learner, course, now=now)
    assert _eligibility_facts(dash.eligibility) == _eligibility_facts(
        certificates.eligibility(learner, course)
    )
    days = activity.active_dates(learner)
    assert (dash.days_active, dash.first_active) == (len(days), min(days) if days else None)
    assert dash.review_due == review.due_count(learner, now=now)
    assert dash.next_review == review.next_due_at(learner, now=now)
    if responses:
        assert dash.days_active > 0 and dash.quizzes[0].attempts > 0
