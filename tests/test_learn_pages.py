"""The learning path, track pages, the comparison, the glossary, lessons, inline checks and Mark complete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import bulk_questions, count_queries, right_answer_data, wrong_answer_data
from training import versions
from training.content_cache import clear as clear_local_content_cache
from training.models import (
    CheckAnswer,
    Choice,
    GlossaryTerm,
    LessonProgress,
    Quiz,
    QuizAttempt,
    ReviewCard,
    ReviewLog,
    SimulationRun,
    Status,
)

pytestmark = pytest.mark.django_db


def clear_content_cache() -> None:
    from django.core.cache import cache

    clear_local_content_cache()
    cache.clear()


@pytest.fixture
def course():
    course = f.make_course(title="Tracks course")
    one = f.make_module(course, title="First module", slug="first-module")
    two = f.make_module(course, title="Second module", slug="second-module")
    f.make_lesson(one, title="Lesson A", slug="lesson-a")
    f.make_lesson(one, title="Lesson B", slug="lesson-b")
    f.make_simulation(one, title="Sim A", slug="sim-a")
    quiz = f.make_quiz(one, title="Quiz A", slug="quiz-a")
    f.make_question(quiz)
    f.make_lesson(two, title="Lesson C", slug="lesson-c")
    f.make_lesson(two, title="Draft lesson", slug="draft-lesson", status=Status.DRAFT)
    f.make_lesson(two, title="Archived lesson", slug="archived-lesson", archived=True)
    return course


# --- learning path ---------------------------------------------------------------------------------------


def test_visitor_sees_modules_in_order_with_items_and_a_start_button(client, course):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    path = html[html.index('<ol class="module-list">') :]
    positions = [
        path.index(text)
        for text in ("First module", "Lesson A", "Lesson B", "Sim A", "Quiz A", "Second module", "Lesson C")
    ]
    assert positions == sorted(positions)
    assert "Draft lesson" not in html and "Archived lesson" not in html
    assert 'class="button continue" href="/lessons/lesson-a/"' in html
    assert 'Start reading <span class="continue-what">“Lesson A”</span>' in html
    assert "Not started" not in html  # no status for visitors


def test_learner_path_shows_status_by_icon_and_text_and_continue_to_next_unfinished(client, course, learner):
    lesson_a = course.modules.get(slug="first-module").lessons.get(slug="lesson-a")
    lesson_b = course.modules.get(slug="first-module").lessons.get(slug="lesson-b")
    LessonProgress.objects.create(
        user=learner, lesson=lesson_a, viewed_at="2025-01-01T00:00Z", completed_at="2025-01-01T00:05Z"
    )
    LessonProgress.objects.create(user=learner, lesson=lesson_b, viewed_at="2025-01-01T00:00Z")
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert '<span aria-hidden="true">✓</span> Done' in html
    assert '<span aria-hidden="true">◐</span> In progress' in html
    assert '<span aria-hidden="true">○</span> Not started' in html
    assert html.count('class="button continue"') == 1
    assert 'class="button continue" href="/lessons/lesson-b/"' in html
    assert 'Continue reading <span class="continue-what">“Lesson B”</span>' in html  # opened, not completed
    # 1 of 4 items of the first module done.
    assert 'aria-label="First module progress: 25%"' in html


def test_continue_resumes_an_open_quiz_attempt(client, course, learner):
    module = course.modules.get(slug="first-module")
    for lesson in module.lessons.all():
        LessonProgress.objects.create(
            user=learner, lesson=lesson, viewed_at="2025-01-01T00:00Z", completed_at="2025-01-01T00:00Z"
        )
    simulation = module.simulations.get()
    SimulationRun.objects.create(
        user=learner,
        simulation=simulation,
        current_node=simulation.start_node,
        started_at="2025-01-01T00:00Z",
        finished_at="2025-01-01T00:01Z",
        ending=simulation.nodes.get(key="success"),
    )
    quiz = module.quizzes.get()
    QuizAttempt.objects.create(
        user=learner, quiz=quiz, number=1, started_at="2025-01-01T00:00Z", question_ids=[]
    )
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert 'class="button continue" href="/quizzes/quiz-a/"' in html
    assert 'Resume the quiz <span class="continue-what">“Quiz A”' in html
    assert "Attempt in progress" in html


def test_continue_prefers_an_open_attempt_later_in_the_path(client, course, learner):
    # Nothing of the first module is done, but the learner stopped in the middle of its quiz.
    quiz = course.modules.get(slug="first-module").quizzes.get()
    QuizAttempt.objects.create(
        user=learner, quiz=quiz, number=1, started_at="2025-01-01T00:00Z", question_ids=[]
    )
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert 'class="button continue" href="/quizzes/quiz-a/"' in html
    assert 'Resume the quiz <span class="continue-what">“Quiz A”' in html
    QuizAttempt.objects.filter(user=learner).update(
        submitted_at="2025-01-01T00:05Z", percent=10, passed=False
    )
    versions.bump_learner(learner.pk)  # what quizzes.submit_attempt does after its write
    html = client.get("/").content.decode()
    assert (
        'Resume the quiz <span class="continue-what">“Quiz A”' not in html
    )  # submitted: Continue goes back to the first unfinished item


def test_path_of_a_finished_course_says_so(client, course, learner):
    from training.models import Lesson, Quiz

    for lesson in Lesson.objects.published():
        LessonProgress.objects.create(
            user=learner, lesson=lesson, viewed_at="2025-01-01T00:00Z", completed_at="2025-01-01T00:00Z"
        )
    for quiz in Quiz.objects.all():
        QuizAttempt.objects.create(
            user=learner,
            quiz=quiz,
            number=1,
            started_at="2025-01-01T00:00Z",
            submitted_at="2025-01-01T00:00Z",
            passed=True,
            percent=100,
        )
    for simulation in course.modules.get(slug="first-module").simulations.all():
        SimulationRun.objects.create(
            user=learner,
            simulation=simulation,
            current_node=simulation.start_node,
            started_at="2025-01-01T00:00Z",
            finished_at="2025-01-01T00:00Z",
        )
    client.force_login(learner)
    html = client.get("/").content.decode()
    assert "You have finished every item of this course." in html
    assert 'class="button continue"' not in html


def test_home_without_a_course_explains_how_to_load_one(client):
    assert "No course has been loaded yet" in client.get("/").content.decode()


def _grow_course(course, questions: int, attempts: int, user) -> None:
    module = course.modules.get(slug="first-module")
    quiz = f.make_quiz(module, title="Big quiz")
    bulk_questions(quiz, questions)
    for number in range(1, attempts + 1):
        QuizAttempt.objects.create(
            user=user,
            quiz=quiz,
            number=number,
            started_at="2025-01-01T00:00Z",
            submitted_at="2025-01-01T00:00Z",
            percent=50,
            passed=False,
        )


def cold_and_warm(client, url: str) -> tuple[int, int]:
    """Queries of a request with the content cache empty, then of the same request with it filled."""
    clear_content_cache()
    with count_queries() as cold:
        assert client.get(url).status_code == 200
    with count_queries() as warm:
        assert client.get(url).status_code == 200
    return len(cold.captured_queries), len(warm.captured_queries)


@pytest.mark.parametrize(
    "url", ["/", "/lessons/lesson-a/", "/courses/{}/", "/courses/{}/tracks/", "/courses/{}/glossary/"]
)
def test_learner_pages_run_a_bounded_number_of_queries(client, course, learner, url):
    url = url.format(course.slug)
    client.force_login(learner)
    _grow_course(course, 10, 0, learner)
    client.get(url)  # the first visit of a lesson records the view once
    small = cold_and_warm(client, url)
    _grow_course(course, 500, 200, learner)
    module = course.modules.get(slug="first-module")
    for _ in range(30):
        f.make_lesson(module)
    big = cold_and_warm(client, url)
    assert big == small
    assert small[1] <= small[0] <= 30


# --- tracks and glossary -----------------------------------------------------------------------------------


@pytest.fixture
def tracks(course):
    one = f.make_track(
        course, slug="track-1", name="Track I", comparison={"formality": "Formal", "risks": "Deadlock"}
    )
    two = f.make_track(
        course, slug="track-2", name="Track II", comparison={"formality": "Informal", "risks": "No authority"}
    )
    f.make_track(course, slug="hidden-track", name="Hidden track", status=Status.DRAFT)
    lesson = course.modules.get(slug="first-module").lessons.get(slug="lesson-a")
    lesson.tracks.add(one)
    question = Quiz.objects.get(slug="quiz-a").questions.get()
    question.tracks.add(one)
    f.make_citation(one, paragraph=2)
    return one, two


def test_track_list_links_every_published_track(client, course, tracks):
    html = client.get(reverse("course_tracks", args=[course.slug])).content.decode()
    base = f"/courses/{course.slug}/tracks"
    assert f'href="{base}/track-1/"' in html and f'href="{base}/track-2/"' in html
    assert f"<h1>Tracks of {course.title}</h1>" in html
    assert "Hidden track" not in html


def test_track_page_shows_definition_strengths_limits_and_tagged_content(client, course, tracks):
    response = client.get(reverse("course_track", args=[course.slug, "track-1"]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Track I",
        "A definition.",
        "A strength.",
        "A limit.",
        "Who takes part.",
        "Lesson A",
        "What is your best next move?",
        "Source: Introduction, ¶2",
    ):
        assert text in html
    assert "Right move" not in html  # questions are listed by prompt, never with their options
    assert client.get(reverse("course_track", args=[course.slug, "hidden-track"])).status_code == 404


def test_comparison_table_has_a_row_per_dimension_and_a_column_per_track(client, course, tracks):
    html = client.get(reverse("course_track_compare", args=[course.slug])).content.decode()
    assert '<th scope="row">Formality</th><td>Formal</td><td>Informal</td>' in html
    assert '<th scope="row">Risks</th><td>Deadlock</td><td>No authority</td>' in html


def test_glossary_lists_terms_with_anchors(client, course):
    f.make_glossary_term(course, slug="back-channel", term="Back channel", definition="A *quiet* line.")
    f.make_glossary_term(course, slug="old-term", term="Old", archived=True)
    html = client.get(reverse("course_glossary", args=[course.slug])).content.decode()
    assert 'id="back-channel"' in html and "<em>quiet</em>" in html
    assert f"<h1>Glossary of {course.title}</h1>" in html
    assert "Old" not in html


# --- lessons -----------------------------------------------------------------------------------------------


@pytest.fixture
def lesson(course):
    module = course.modules.get(slug="first-module")
    f.make_glossary_term(course, slug="back-channel", term="Back channel", definition="A *quiet* line.")
    lesson = module.lessons.get(slug="lesson-a")
    lesson.body = (
        "## Why\n\nUse a [[back-channel|quiet line]] and [[unknown-term]].\n\n<script>alert(1)</script>"
    )
    lesson.save()
    objective = f.make_objective(module, text="Tell the tracks apart.")
    lesson.objectives.add(objective)
    f.make_citation(lesson, paragraph=2)
    f.make_citation(
        lesson,
        reference=f.make_reference(
            course, title="Tracks primer", author="USIP", year=2019, url="https://example.org/primer"
        ),
    )
    f.make_question(
        lesson=lesson,
        prompt="Which check answer?",
        choices=[
            {"text": "Check right", "correct": True, "feedback": "Yes: check right."},
            {"text": "Check wrong", "correct": False, "feedback": "No: check wrong."},
        ],
    )
    return lesson


def test_lesson_page_shows_objectives_minutes_body_glossary_and_citations(client, lesson):
    response = client.get(lesson.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Lesson A</h1>" in html
    assert "About 5 minutes of reading" in html
    assert "Tell the tracks apart." in html
    assert "<h3>Why</h3>" in html  # body headings sit under the page's own h2
    assert "<script>alert(1)</script>" not in html
    assert (
        'popovertarget="term-back-channel-' in html
        and "<strong>Back channel</strong>: A <em>quiet</em> line." in html
    )
    glossary = f"/courses/{lesson.module.course.slug}/glossary/"
    assert f'<a class="term-link" href="{glossary}#unknown-term">unknown-term</a>' in html
    assert "Source: Introduction, ¶2" in html
    assert '<a href="https://example.org/primer">Reference: Tracks primer, USIP (2019)</a>' in html
    assert "Next: Lesson B" in html


def test_visitor_reads_a_lesson_and_is_asked_to_log_in_to_answer(client, lesson):
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Which check answer?" in html
    assert "/accounts/login/?next=%2Flessons%2Flesson-a%2F" in html
    assert "/accounts/signup/?next=%2Flessons%2Flesson-a%2F" in html
    assert "Mark complete" not in html


def test_visitor_posting_an_answer_is_sent_to_log_in_and_back(client, lesson):
    check = lesson.checks.get()
    url = reverse("lesson_check", args=[lesson.slug, check.pk])
    response = client.post(url, right_answer_data(check))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/lessons/lesson-a/"
    htmx = client.post(url, right_answer_data(check), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == "/accounts/login/?next=%2Flessons%2Flesson-a%2F"
    assert CheckAnswer.objects.count() == 0


def test_opening_a_lesson_records_the_first_view(client, lesson, learner):
    client.force_login(learner)
    client.get(lesson.get_absolute_url())
    client.get(lesson.get_absolute_url())
    progress = LessonProgress.objects.get(user=learner, lesson=lesson)
    assert progress.completed_at is None


def test_answering_a_check_without_javascript_redirects_and_shows_feedback(client, lesson, learner):
    client.force_login(learner)
    check = lesson.checks.get()
    response = client.post(reverse("lesson_check", args=[lesson.slug, check.pk]), right_answer_data(check))
    assert response.status_code == 302
    assert response["Location"] == f"/lessons/lesson-a/#check-{check.pk}"
    row = CheckAnswer.objects.get(user=learner, question=check)
    assert (row.score, row.correct, row.answer) == (1.0, True, {"choice": "a"})
    assert ReviewCard.objects.filter(user=learner, question=check).count() == 1
    assert ReviewLog.objects.get().source == "check"
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert "Yes: check right." in html and "Correct" in html


def test_answering_a_check_with_htmx_returns_the_feedback_fragment(client, lesson, learner):
    client.force_login(learner)
    check = lesson.checks.get()
    response = client.post(
        reverse("lesson_check", args=[lesson.slug, check.pk]),
        wrong_answer_data(check),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "progress-changed"
    assert html.lstrip().startswith(f'<div class="card check" id="check-{check.pk}">')
    assert "<html" not in html
    assert "No: check wrong." in html and "Check right" in html and "Why the best answer is best." in html
    assert 'role="status" data-focus-after-swap' in html
    assert "Answer again" in html
    assert CheckAnswer.objects.get().correct is False


def test_answer_again_fragment_shows_the_form_with_the_previous_answer(client, lesson, learner):
    client.force_login(learner)
    check = lesson.checks.get()
    client.post(reverse("lesson_check", args=[lesson.slug, check.pk]), right_answer_data(check))
    response = client.get(f"{lesson.get_absolute_url()}?again={check.pk}", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Check my answer" in html and " checked" in html
    assert "Yes: check right." not in html
    assert response["Vary"] == "HX-Request, Cookie" or "HX-Request" in response["Vary"]


def test_bad_check_answer_is_a_422_with_a_message_and_writes_nothing(client, lesson, learner):
    client.force_login(learner)
    check = lesson.checks.get()
    url = reverse("lesson_check", args=[lesson.slug, check.pk])
    response = client.post(url, {"choice": "forged"})
    assert response.status_code == 422
    assert "not one of this question&#x27;s options" in response.content.decode()
    response = client.post(url, {}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Choose one answer." in response.content.decode()
    assert CheckAnswer.objects.count() == 0 and ReviewLog.objects.count() == 0


def test_double_submitted_check_answer_is_recorded_once(client, lesson, learner):
    client.force_login(learner)
    check = lesson.checks.get()
    url = reverse("lesson_check", args=[lesson.slug, check.pk])
    client.post(url, right_answer_data(check))
    response = client.post(url, right_answer_data(check), follow=True)
    assert "You sent this answer twice; it was recorded once." in response.content.decode()
    assert ReviewLog.objects.count() == 1


def test_check_of_another_lesson_or_unknown_is_404(client, lesson, learner, course):
    client.force_login(learner)
    other = course.modules.get(slug="first-module").lessons.get(slug="lesson-b")
    check = lesson.checks.get()
    assert (
        client.post(
            reverse("lesson_check", args=[other.slug, check.pk]), right_answer_data(check)
        ).status_code
        == 404
    )
    assert client.post(reverse("lesson_check", args=[lesson.slug, 999999]), {}).status_code == 404


def test_archived_choices_never_reach_the_page(client, lesson, learner):
    client.force_login(learner)
    check = lesson.checks.get()
    Choice.objects.create(
        question=check, key="z", text="Archived option", archived=True, status=Status.DRAFT, position=9
    )
    assert "Archived option" not in client.get(lesson.get_absolute_url()).content.decode()


def test_mark_complete_without_javascript(client, lesson, learner):
    client.force_login(learner)
    response = client.post(reverse("lesson_complete", args=[lesson.slug]), follow=True)
    assert "Lesson marked complete." in response.content.decode()
    assert "You completed this lesson." in response.content.decode()
    assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at is not None
    again = client.post(reverse("lesson_complete", args=[lesson.slug]), follow=True)
    assert "This lesson was already marked complete." in again.content.decode()


def test_mark_complete_with_htmx_updates_the_progress_bar_in_place(client, lesson, learner):
    client.force_login(learner)
    response = client.post(reverse("lesson_complete", args=[lesson.slug]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response["HX-Trigger"] == "progress-changed"
    assert '<div id="completion"' in html and "You completed this lesson." in html
    assert 'id="module-progress" hx-swap-oob="true"' in html
    assert 'aria-label="First module progress: 25%"' in html


def test_visitor_cannot_mark_complete(client, lesson):
    response = client.post(reverse("lesson_complete", args=[lesson.slug]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert LessonProgress.objects.count() == 0


def test_draft_lesson_is_404(client, course):
    assert client.get("/lessons/draft-lesson/").status_code == 404
    assert client.get("/lessons/archived-lesson/").status_code == 404


def test_lesson_page_queries_do_not_grow_with_checks(client, lesson, learner):
    client.force_login(learner)
    client.get(lesson.get_absolute_url())  # the first visit records the view once
    small = cold_and_warm(client, lesson.get_absolute_url())
    for _ in range(15):
        check = f.make_question(lesson=lesson, kind="sort")
        CheckAnswer.objects.create(
            user=learner,
            question=check,
            answer={"categories": {}},
            score=0,
            correct=False,
            answered_at="2025-01-01T00:00Z",
        )
        f.make_citation(check)
    big = cold_and_warm(client, lesson.get_absolute_url())
    assert big == small
    # Warm: session, user, lesson, progress, content version, answers, module progress and the
    # navigation; the lesson's content (body, checks, citations, outline) comes from the cache.
    assert small[1] <= 12 and small[0] <= 22


def test_lesson_page_shows_content_edits_at_once(client, lesson, learner):
    """The cached lesson content is keyed by the content version: edits, archived rows and link changes
    show on the next request without any cache clearing."""
    client.force_login(learner)
    url = lesson.get_absolute_url()
    assert "Tell the tracks apart." in client.get(url).content.decode()
    objective = lesson.objectives.get()
    objective.text = "Tell tracks one and two apart."
    objective.save()
    assert "Tell tracks one and two apart." in client.get(url).content.decode()
    lesson.objectives.clear()  # a link change (no timestamp of its own)
    assert "Tell tracks one and two apart." not in client.get(url).content.decode()
    choice = Choice.objects.get(text="Check wrong")
    choice.archived = True
    choice.save()
    html = client.get(url).content.decode()
    assert "Check right" in html and "Check wrong" not in html
    term = GlossaryTerm.objects.get(slug="back-channel")
    term.definition = "A discreet line."
    term.save()
    assert "discreet line" in client.get(url).content.decode()


def test_track_page_lists_a_bounded_number_of_questions_on_the_shipped_course(client, db):
    """With the full course (over a hundred questions), a track page lists the first questions by prompt and
    counts the rest, so the page stays small however many questions the course gains."""
    from pathlib import Path

    from training.curriculum.loader import load_curriculum
    from training.models import Question, Track
    from training.views.courses import TRACK_QUESTIONS_SHOWN

    load_curriculum([Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"])
    track = Track.objects.get(slug="track-2")
    total = track.questions.visible().count()
    assert total > TRACK_QUESTIONS_SHOWN
    html = client.get(reverse("track_detail", args=["track-2"]), follow=True).content.decode()
    section = html.split('id="questions-heading"', 1)[1].split("</section>", 1)[0]
    assert section.count("<li>") == TRACK_QUESTIONS_SHOWN
    assert f"And {total - TRACK_QUESTIONS_SHOWN} more questions about Track II" in section
    first = Question.objects.filter(pk__in=track.questions.visible()).order_by(
        "quiz__module__position", "lesson__module__position", "position", "pk"
    )[0]
    assert first.prompt in section
