"""The learner's dashboard and the instructor's learner table show the same figures for the same learner
(issue 14, acceptance 4): progress, mastery and status are defined once (training/standing.py). Both pages'
HTML is read, for learners with no history, a partial one, a finished course with a certificate, failed
attempts at the final quiz, and answers corrected later in reviews."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    make_course,
    make_lesson,
    make_module,
    make_objective,
    make_question,
    make_quiz,
    make_simulation,
)
from tests.learner_data import make_attempt, make_cohort, make_run, make_user
from training import scheduling, versions
from training.models import Certificate, LessonProgress, Quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    course = make_course(title="Agreement course")
    one = make_module(course, title="One")
    two = make_module(course, title="Two")
    lessons = [
        make_lesson(one, title="L one"),
        make_lesson(one, title="L two"),
        make_lesson(two, title="L three"),
    ]
    spot = make_objective(one, text="Spot the track")
    choose = make_objective(two, text="Choose the channel")
    practice = make_quiz(one, title="Practice", pass_mark=50)
    practice_questions = [make_question(practice) for _ in range(3)]
    for question in practice_questions:
        question.objectives.add(spot)
    final = make_quiz(two, title="Final", mode=Quiz.Mode.ASSESSMENT, pass_mark=70)
    final_questions = [make_question(final) for _ in range(2)]
    for question in final_questions:
        question.objectives.add(choose)
    course.final_quiz = final
    course.save()
    simulation = make_simulation(two)
    teacher = make_user("teacher", instructor=True)
    cohort = make_cohort(course, instructors=[teacher])
    return {
        "course": course,
        "lessons": lessons,
        "practice": practice,
        "practice_questions": practice_questions,
        "final": final,
        "final_questions": final_questions,
        "simulation": simulation,
        "teacher": teacher,
        "cohort": cohort,
    }


def complete(user, lessons) -> None:
    now = timezone.now()
    for lesson in lessons:
        LessonProgress.objects.create(user=user, lesson=lesson, viewed_at=now, completed_at=now)


def histories(world) -> dict[str, object]:
    """Learners with different histories, all members of the cohort."""
    p, f = world["practice_questions"], world["final_questions"]
    learners = {}

    learners["nobody"] = make_user("nobody")

    partial = learners["partial"] = make_user("partial")
    complete(partial, world["lessons"][:1])
    LessonProgress.objects.create(user=partial, lesson=world["lessons"][1], viewed_at=timezone.now())
    make_attempt(partial, world["practice"], {p[0]: "a", p[1]: "b", p[2]: "b"})  # 1 of 3

    certified = learners["certified"] = make_user("certified")
    complete(certified, world["lessons"])
    make_attempt(certified, world["practice"], {p[0]: "a", p[1]: "a", p[2]: "a"})
    make_attempt(certified, world["final"], {f[0]: "a", f[1]: "a"})
    make_run(certified, world["simulation"], ["a"])
    Certificate.objects.create(
        user=certified,
        course=world["course"],
        code="AAAA-BBBB-CCCC-DDDD",
        name="Cert",
        issued_at=timezone.now(),
    )

    failing = learners["failing"] = make_user("failing")
    complete(failing, world["lessons"][:2])
    make_attempt(failing, world["practice"], {p[0]: "b", p[1]: "b", p[2]: "a"})
    make_attempt(failing, world["final"], {f[0]: "b", f[1]: "a"})  # 50 %: failed
    make_attempt(failing, world["final"], {f[0]: "b", f[1]: "b"})  # 0 %: failed again

    reviewer = learners["reviewer"] = make_user("reviewer")
    make_attempt(reviewer, world["practice"], {p[0]: "b", p[1]: "b", p[2]: "b"})  # all wrong…
    later = timezone.now() + timedelta(minutes=1)
    for question in p[:2]:  # …then right in the review queue: the latest answers count for mastery
        scheduling.schedule_review(
            user=reviewer, question=question, correct=True, source="review", when=later
        )

    for user in learners.values():
        world["cohort"].memberships.create(user=user)
        versions.bump_learner(user.pk)
    return learners


def dashboard_figures(client, user) -> dict[str, str]:
    client.force_login(user)
    html = client.get(reverse("progress")).content.decode()
    stats = dict(re.findall(r'<dt>([^<]+)</dt>\s*<dd><span class="stat-value[^"]*">([^<]+)</span>', html))
    return {
        "progress": stats["Course progress"],
        "mastery": stats["Course mastery"],
        "status": stats["Status"],
    }


def instructor_figures(client, world, username: str) -> dict[str, str]:
    client.force_login(world["teacher"])
    html = client.get(reverse("instructor_cohort", args=[world["cohort"].pk])).content.decode()
    row = re.search(rf'<th scope="row">{username}</th>(.*?)</tr>', html, re.S)
    assert row, username
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    # Columns: progress, lessons, quizzes, attempts, simulations, mastery, last active, status.
    status = re.sub(r"<[^>]+>", "", cells[7]).strip()
    return {"progress": cells[0].strip(), "mastery": cells[5].strip(), "status": status}


def test_the_learner_and_the_instructor_see_the_same_figures(client, world):
    learners = histories(world)
    seen = {}
    for name, user in learners.items():
        mine = dashboard_figures(client, user)
        theirs = instructor_figures(client, world, user.username)
        assert mine == theirs, name
        seen[name] = mine
    assert seen["nobody"] == {"progress": "0%", "mastery": "0%", "status": "Not started"}
    # Six items: three lessons, two quizzes, one simulation.
    assert seen["certified"] == {"progress": "100%", "mastery": "100%", "status": "Completed"}
    assert seen["partial"]["status"] == "In progress" and seen["partial"]["progress"] == "17%"  # 1 of 6
    assert seen["failing"]["status"] == "In progress" and seen["failing"]["progress"] == "33%"  # 2 of 6
    # The reviewer's latest answers to two of the three questions are right: familiar (50) on one objective,
    # not started (0) on the other → 25 %.
    assert seen["reviewer"]["mastery"] == "25%"


def test_the_chart_draws_one_line_per_quiz_and_the_mastery_table_starts_with_the_weakest(client, world):
    learners = histories(world)
    client.force_login(learners["failing"])
    html = client.get(reverse("progress")).content.decode()
    # Practice once, the final twice: two series, each named in the legend.
    assert html.count('<g class="chart-series chart-series-') == 2
    assert re.findall(r'<line class="chart-line"[^>]*/></svg> ([^<]+)</li>', html) == ["Practice", "Final"]
    final_series = re.search(r'<g class="chart-series chart-series-1">(.*?)</g>', html, re.S).group(1)
    assert final_series.count("<polyline") == 1 and final_series.count("chart-point-fail") == 2
    # Mastery: "Choose the channel" (final: latest answers 0 of 2 → attempted) before "Spot the track"
    # (practice: 1 of 3 → attempted, but a higher share right), each with a quiz of its module to practise.
    table = html[html.index('class="mastery-table"') :]
    assert table.index("Choose the channel") < table.index("Spot the track")
    practise = html[html.index('id="practise-first"') : html.index('class="mastery-table"')]
    links = re.findall(
        r'<a href="([^"]+)">([^<]+)</a> <span class="muted small">\(([^)]+)\)</span>', practise
    )
    assert links == [
        (world["final"].get_absolute_url(), "Choose the channel", "Final"),
        (world["practice"].get_absolute_url(), "Spot the track", "Practice"),
    ]
