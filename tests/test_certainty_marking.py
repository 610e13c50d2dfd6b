"""Certainty-based marking: the marks table, the certainty field of every answer form, the mark stored with the
response, the attempt's average, and the calibration chart on the results page and the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests import factories as f
from tests.learn_helpers import main_text, right_answer_data, wrong_answer_data
from tests.test_curriculum_errors import edit, example_text
from training import quizzes
from training.calibration import calibration_chart, calibration_for_user
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.grading import certainty_mark
from training.models import Course, Question, Quiz, Response

pytestmark = pytest.mark.django_db


# --- The marks (Gardner-Medwin, as in Moodle) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("certainty", "right", "wrong"),
    [(1, 1.0, 0.0), (2, 2.0, -2.0), (3, 3.0, -6.0)],
)
def test_marks_follow_the_table(certainty, right, wrong):
    assert certainty_mark(1.0, certainty) == right
    assert certainty_mark(0.0, certainty) == wrong


@pytest.mark.parametrize(
    ("score", "certainty", "mark"),
    [(0.5, 1, 0.5), (0.5, 2, 0.0), (0.5, 3, -1.5), (0.75, 3, 0.75), (0.25, 2, -1.0)],
)
def test_a_partly_right_answer_earns_the_mix_of_right_and_wrong_marks(score, certainty, mark):
    assert certainty_mark(score, certainty) == mark


def test_the_best_certainty_changes_at_two_thirds_and_four_fifths():
    def expected(p: float, certainty: int) -> float:
        return p * certainty_mark(1.0, certainty) + (1 - p) * certainty_mark(0.0, certainty)

    def best(p: float) -> int:
        return max((1, 2, 3), key=lambda c: expected(p, c))

    assert [best(p) for p in (0.5, 0.6, 0.7, 0.75, 0.85, 0.95)] == [1, 1, 2, 2, 3, 3]


# --- Through the quiz pages ----------------------------------------------------------------------------------


def cbm_quiz(mode: str = Quiz.Mode.PRACTICE) -> Quiz:
    course = f.make_course()
    module = f.make_module(course)
    quiz = f.make_quiz(module, slug=f"cbm-{mode}", mode=mode, certainty=True, pass_mark=50)
    f.make_question(quiz, kind="single")
    f.make_question(quiz, kind="order")
    return quiz


def question_url(attempt, number: int) -> str:
    return reverse("quiz_question", args=[attempt.quiz.slug, attempt.pk, number])


def questions_of(attempt) -> list[Question]:
    by_id = Question.objects.in_bulk(attempt.question_ids)
    return [by_id[qid] for qid in attempt.question_ids]


def test_every_answer_form_asks_for_certainty_in_its_own_fieldset(client, learner):
    quiz = cbm_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    client.force_login(learner)
    for number in (1, 2):
        html = client.get(question_url(attempt, number)).content.decode()
        assert "<legend>How sure are you of this answer?</legend>" in html
        assert html.count('name="certainty"') == 3
        assert 'value="1"' in html and 'value="3"' in html


def test_an_answer_without_certainty_is_refused_and_nothing_is_written(client, learner):
    quiz = cbm_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    question = questions_of(attempt)[0]
    client.force_login(learner)
    response = client.post(question_url(attempt, 1), right_answer_data(question, attempt))
    assert response.status_code == 422
    assert "Choose how sure you are of your answer." in response.content.decode()
    assert not Response.objects.exists()
    # The chosen option is kept on the page after the error.
    assert "checked" in response.content.decode()


def test_a_quiz_without_certainty_has_no_certainty_field(client, learner):
    course = f.make_course()
    quiz = f.make_quiz(f.make_module(course))
    f.make_question(quiz)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    client.force_login(learner)
    assert 'name="certainty"' not in client.get(question_url(attempt, 1)).content.decode()


def test_practice_stores_certainty_and_mark_and_the_attempt_scores_both(client, learner):
    quiz = cbm_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    single, order = questions_of(attempt)
    client.force_login(learner)
    page = client.post(
        question_url(attempt, 1), {**right_answer_data(single, attempt), "certainty": "3"}, follow=True
    )
    assert "Your certainty: high (3). Mark: +3." in main_text(page.content)
    page = client.post(
        question_url(attempt, 2), {**wrong_answer_data(order, attempt), "certainty": "2"}, follow=True
    )
    stored = Response.objects.get(question=order)
    assert stored.certainty == 2 and stored.mark == certainty_mark(stored.score, 2)
    assert Response.objects.get(question=single).mark == 3.0
    client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.mark_average == round((3.0 + stored.mark) / 2, 4)
    assert attempt.percent == round(100 * (1 + stored.score) / 2, 2)  # the pass mark applies to accuracy
    results = client.get(reverse("quiz_results", args=[quiz.slug, attempt.pk])).content.decode()
    assert "Certainty-based mark: <strong>" in results
    assert "Accuracy at each certainty level (the chart's data)" in results
    assert '<svg class="score-chart calibration-chart"' in results
    assert "Well calibrated means" in results


def test_an_assessment_holds_back_the_mark_until_submitted(client, learner):
    quiz = cbm_quiz(Quiz.Mode.ASSESSMENT)
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    single = questions_of(attempt)[0]
    client.force_login(learner)
    page = client.post(
        question_url(attempt, 1), {**wrong_answer_data(single, attempt), "certainty": "3"}, follow=True
    )
    html = page.content.decode()
    assert "Answer saved." in html and "Your certainty" not in html and "Mark: " not in html
    # The certainty given is shown again, disabled, with the answer.
    assert f'value="3" id="q{single.pk}-certainty-3" checked' in html
    assert Response.objects.get().mark == -6.0
    assert calibration_for_user(learner, quiz.course) is None  # open attempts are left out
    # "My data" shows the certainty given but not the mark, which would tell right from wrong.
    (exported,) = client.get("/account/data/export/").json()["quiz_attempts"]
    (row,) = exported["responses"]
    assert row["certainty"] == 3 and "mark" not in row and "correct" not in row
    client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]))
    (exported,) = client.get("/account/data/export/").json()["quiz_attempts"]
    assert exported["responses"][0]["mark"] == -6.0 and exported["mark_average"] is not None


def test_the_dashboard_shows_calibration_over_submitted_attempts(client, learner):
    quiz = cbm_quiz()
    attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
    single, order = questions_of(attempt)
    client.force_login(learner)
    client.post(question_url(attempt, 1), {**right_answer_data(single, attempt), "certainty": "3"})
    client.post(question_url(attempt, 2), {**right_answer_data(order, attempt), "certainty": "1"})
    quizzes.submit_attempt(user=learner, attempt=attempt)
    levels = calibration_for_user(learner, quiz.course)
    assert [(level.label, level.answers, level.accuracy) for level in levels] == [
        ("Low", 1, 100),
        ("Mid", 0, None),
        ("High", 1, 100),
    ]
    assert [level.verdict for level in levels] == ["Under-confident", "No answers", "Well calibrated"]
    html = client.get("/progress/").content.decode()
    assert "Calibration (certainty-based marking)" in html
    assert "<caption>Accuracy at each certainty level (the chart&#x27;s data)</caption>" in html or (
        "Accuracy at each certainty level (the chart" in html
    )


def test_the_chart_draws_one_bar_per_level_with_its_band():
    from training.calibration import Level

    levels = [
        Level(certainty=1, label="Low", answers=2, accuracy=50, band=(0, 67)),
        Level(certainty=2, label="Mid", answers=0, accuracy=None, band=(67, 80)),
        Level(certainty=3, label="High", answers=4, accuracy=100, band=(80, 100)),
    ]
    chart = calibration_chart(levels)
    assert [bar.value_text for bar in chart.bars] == ["50%", "–", "100%"]
    assert chart.bars[2].y == chart.top and chart.bars[1].height == 0
    assert chart.bars[0].height == pytest.approx((chart.bottom - chart.top) / 2, abs=0.1)
    assert "high certainty: 100% right of 4" in chart.summary


# --- The YAML -------------------------------------------------------------------------------------------------


def test_certainty_loads_and_exports(tmp_path: Path):
    text = edit(example_text(), "        shuffle: true\n", "        shuffle: true\n        certainty: true\n")
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    load_curriculum([path])
    assert Quiz.objects.get(slug="example-check").certainty is True
    exported = export_course(Course.objects.get(slug="example-course"))
    assert "        certainty: true\n" in exported
    Quiz.objects.filter(slug="example-check").update(certainty=False)
    assert "certainty" not in export_course(Course.objects.get(slug="example-course"))
