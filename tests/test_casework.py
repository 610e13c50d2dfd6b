"""The case library, module reflections and the capstone (issue 19): loaded and exported like the rest of
the curriculum, validated, shown to learners, graded by instructors, counted by the certificate rule, in my
data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.casework_data import course_texts, load
from tests.learner_data import make_cohort, make_user
from training import capstones, certificates, mydata
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_texts, read_texts
from training.models import Capstone, CapstoneSubmission, Case, Course, Module, ModuleReflection, Status

pytestmark = pytest.mark.django_db


def _errors(extra: str) -> list[str]:
    texts = course_texts()
    texts["10-casework.yaml"] = extra
    _, problems = read_texts(texts, name="example")
    return [f"{p.path}: {p.message}" for p in problems]


@pytest.mark.django_db(transaction=True)  # flush empties the tables: on PostgreSQL not inside a transaction
def test_cases_capstones_and_reflections_load_and_export_identically():
    load()
    course = Course.objects.get()
    first = export_course(course)
    assert "cases:" in first and "capstones:" in first and "reflection: Which back channel" in first
    case = Case.objects.get()
    assert [a["track"] for a in case.actors] == ["example-unofficial", "example-official"]
    assert list(case.lessons.values_list("slug", flat=True)) == ["example-what-is-a-back-channel"]
    assert Capstone.objects.get().max_points == 7
    call_command("flush", interactive=False, verbosity=0)  # an empty database
    load_texts({"export.yaml": first})
    assert export_course(Course.objects.get()) == first


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            "cases:\n  - {slug: c, title: C, period: '1', summary: S, moved: M, outcome: O,"
            " actors: [{name: A, track: nowhere}]}\n",
            "cases[0].actors[0].track: unknown track `nowhere`",
        ),
        (
            "capstones:\n  - {slug: m, title: M, brief: B, pass_mark: 9, rubric: [{key: a, title: A,"
            " levels: [{points: 0, label: N}, {points: 2, label: Y}]}]}\n",
            "capstones[0].pass_mark: `pass_mark` (9) is more than the rubric's total (2)",
        ),
        (
            "capstones:\n  - {slug: m, title: M, brief: B, pass_mark: 1, rubric: [{key: a, title: A,"
            " levels: [{points: 1, label: N}, {points: 1, label: Y}]}]}\n",
            "capstones[0].rubric[0].levels: two levels of a criterion give the same points",
        ),
        (
            "capstones:\n  - {slug: m, title: M, brief: B, pass_mark: 1, rubric: [{key: a, title: A,"
            " levels: [{points: 1, label: N}]}]}\n",
            "capstones[0].rubric[0].levels",
        ),
    ],
)
def test_bad_cases_and_capstones_are_refused_with_the_path(extra, message):
    assert any(line.startswith(message) for line in _errors(extra)), _errors(extra)


def test_a_capstone_rule_without_a_capstone_is_refused():
    texts = course_texts(completion="  completion:\n    capstone: passed\n")
    texts["10-casework.yaml"] = "cases: []\n"
    _, problems = read_texts(texts, name="example")
    assert any("`capstone: passed` needs a capstone in the course" in p.message for p in problems)


def test_case_pages_show_actors_by_track_documents_and_lessons(client):
    load()
    listing = client.get(reverse("case_list")).content.decode()
    assert "The Oslo back channel" in listing and "1992-1993" in listing
    page = client.get(reverse("case_detail", args=["example-oslo"])).content.decode()
    assert "A Norwegian research institute" in page and "Unofficial" in page
    assert "Declaration of Principles on Interim Self-Government Arrangements" in page
    assert reverse("lesson_detail", args=["example-what-is-a-back-channel"]) in page
    Case.objects.update(status=Status.DRAFT)
    assert client.get(reverse("case_detail", args=["example-oslo"])).status_code == 404


def test_module_reflection_is_saved_rewritten_and_read_by_the_cohorts_instructor(client):
    load()
    course = Course.objects.get()
    learner, teacher, other_teacher = (
        make_user("ana"),
        make_user("tia", instructor=True),
        make_user("otto", instructor=True),
    )
    cohort = make_cohort(course, instructors=[teacher], learners=[learner])
    make_cohort(course, instructors=[other_teacher])
    url = reverse("module_reflection", args=["example-basics"])
    client.force_login(learner)
    assert "Which back channel you know of worked" in client.get(url).content.decode()
    assert client.post(url, {"text": ""}).status_code == 422
    assert client.post(url, {"text": "Oslo worked because it was deniable."}).status_code == 302
    client.post(url, {"text": "Oslo worked: deniable and small."})
    assert ModuleReflection.objects.get(user=learner).text == "Oslo worked: deniable and small."
    assert mydata.export_for(learner)["module_reflections"][0]["text"] == "Oslo worked: deniable and small."
    client.force_login(teacher)
    page = client.get(reverse("instructor_reflections", args=[cohort.pk])).content.decode()
    assert "Oslo worked: deniable and small." in page
    client.force_login(other_teacher)
    assert client.get(reverse("instructor_reflections", args=[cohort.pk])).status_code == 404
    # A module without a prompt has no reflection page.
    Module.objects.update(reflection="")
    client.force_login(learner)
    assert client.get(url).status_code == 404


def test_capstone_draft_submit_grade_and_feedback(client):
    load()
    course = Course.objects.get()
    capstone = Capstone.objects.get()
    learner, teacher = make_user("ana"), make_user("tia", instructor=True)
    cohort = make_cohort(course, instructors=[teacher], learners=[learner])
    url = reverse("capstone_detail", args=[capstone.slug])
    client.force_login(learner)
    assert client.post(url, {"text": "A first draft.", "action": "save"}).status_code == 302
    response = client.post(url, {"text": "Too short.", "action": "submit"})
    assert (
        response.status_code == 422
        and "Write at least 5 words to submit (now 2)" in response.content.decode()
    )
    memo = "Pair a quiet workshop with the envoy's talks and report back through the ministry."
    client.post(url, {"text": memo, "action": "submit"})
    submission = CapstoneSubmission.objects.get(user=learner)
    assert (submission.state, submission.text) == ("submitted", memo)
    client.post(url, {"text": "Changed after submitting.", "action": "save"})
    submission.refresh_from_db()
    assert submission.text == memo  # refused with a message

    client.force_login(teacher)
    listing = client.get(reverse("instructor_capstones", args=[cohort.pk])).content.decode()
    assert "To grade" in listing
    grade_url = reverse("instructor_capstone_grade", args=[cohort.pk, submission.pk])
    bad = client.post(grade_url, {"criterion-analysis": "3", "criterion-design": "3", "feedback": "x"})
    assert bad.status_code == 422  # 3 is not a level of "analysis"
    client.post(grade_url, {"criterion-analysis": "2", "criterion-design": "3", "feedback": "Clear design."})
    submission.refresh_from_db()
    assert (submission.total, submission.passed, submission.scores) == (5, True, {"analysis": 2, "design": 3})

    client.force_login(learner)
    page = client.get(url).content.decode()
    assert "Your grade: 5 of 7 points — passed" in page and "Clear design." in page
    assert mydata.export_for(learner)["capstones"][0]["total"] == 5


def test_another_cohorts_instructor_cannot_grade(client):
    load()
    course = Course.objects.get()
    learner, teacher, other = (
        make_user("ana"),
        make_user("tia", instructor=True),
        make_user("otto", instructor=True),
    )
    make_cohort(course, instructors=[teacher], learners=[learner])
    other_cohort = make_cohort(course, instructors=[other])
    submission = capstones.save(learner, Capstone.objects.get(), "One two three four five six.", submit=True)
    client.force_login(other)
    url = reverse("instructor_capstone_grade", args=[other_cohort.pk, submission.pk])
    assert client.get(url).status_code == 404


def test_the_certificate_rule_can_ask_for_a_passed_capstone():
    load(
        completion="  completion:\n    lessons: none\n    practice: none\n    assessments: none\n"
        "    final: none\n    capstone: passed\n"
    )
    course = Course.objects.get()
    learner, teacher = make_user("ana"), make_user("tia", instructor=True)
    assert not certificates.eligibility(learner, course).eligible
    submission = capstones.save(learner, Capstone.objects.get(), "One two three four five six.", submit=True)
    assert not certificates.eligibility(learner, course).eligible
    capstones.grade(submission, grader=teacher, scores={"analysis": 2, "design": 0}, feedback="Not yet.")
    assert not certificates.eligibility(learner, course).eligible
    capstones.grade(submission, grader=teacher, scores={"analysis": 4, "design": 3}, feedback="Good.")
    assert certificates.eligibility(learner, course).eligible
