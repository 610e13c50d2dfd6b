"""Real Chromium: an instructor edits feedback in the admin, imports broken and valid YAML, then reads a
cohort's statistics and downloads a CSV. axe on every instructor-area page and on our admin import page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.axe import assert_accessible
from tests.learner_data import PASSWORD, make_attempt, make_cohort, make_run, make_user
from training.curriculum.exporter import export_course
from training.models import Choice, Course, Question, Quiz, Simulation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path("docs/examples/example-course.yaml")


@pytest.fixture
def course_with_cohort():
    call_command("load_curriculum", str(EXAMPLE), stdout=open("/dev/null", "w"))  # noqa: SIM115
    course = Course.objects.get()
    teacher = make_user("tess", instructor=True)
    learners = [make_user(name) for name in ("ana", "bo", "cy", "dee")]
    cohort = make_cohort(
        course, name="Autumn group", code="AUTM2345", instructors=[teacher], learners=learners
    )
    quiz = Quiz.objects.filter(course=course, questions__kind="single").distinct().first()
    questions = list(quiz.questions.filter(archived=False).order_by("position"))
    single = [q for q in questions if q.kind == "single"]
    for i, user in enumerate(learners):
        answers = {}
        for q in questions:
            right = q.choices.filter(correct=True).first()
            wrong = q.choices.filter(correct=False).first()
            answers[q] = right.key if (i + q.position) % 2 == 0 and right else (wrong or right).key
        make_attempt(user, quiz, answers)
    simulation = Simulation.objects.filter(course=course).first()
    start_option = simulation.start_node.options.first()
    if start_option.next_node.is_ending:
        make_run(learners[0], simulation, [start_option.key])
    return {"course": course, "cohort": cohort, "quiz": quiz, "single": single[0]}


def admin_login(page: Page, base: str) -> None:
    page.goto(base + "/admin/")
    page.get_by_label("Username:").fill("tess")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curriculum and learners")).to_be_visible()


def test_instructor_admin_and_statistics_journey(page: Page, live_server, course_with_cohort, tmp_path):
    base = live_server.url
    course = course_with_cohort["course"]
    question: Question = course_with_cohort["single"]
    wrong = question.choices.filter(correct=False).order_by("position").first()

    # 1. Edit a choice's feedback on the question page.
    admin_login(page, base)
    page.goto(f"{base}/admin/training/question/{question.pk}/change/")
    index = list(question.choices.order_by("position", "pk").values_list("pk", flat=True)).index(wrong.pk)
    page.locator(f'textarea[name="choices-{index}-feedback"]').fill(
        "Going public first removes the room to retreat; see the lesson on quiet channels."
    )
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Choice.objects.get(pk=wrong.pk).feedback.startswith("Going public first removes the room")

    # 2. Upload a broken file: line-numbered errors, nothing changed.
    before = export_course(course)
    page.goto(base + "/admin/training/course/")
    page.get_by_role("link", name="Import curriculum YAML").click()
    expect(page.get_by_role("heading", name="Import curriculum YAML")).to_be_visible()
    assert_accessible(page, "admin import page")
    broken = before.replace("correct: true", "correct: maybe", 1)
    broken_file = tmp_path / "broken-course.yaml"
    broken_file.write_text(broken, encoding="utf-8")
    page.get_by_label("Curriculum file(s)").set_input_files(str(broken_file))
    page.get_by_role("button", name="Check the file").click()
    report = page.locator(".import-errors")
    expect(report).to_contain_text("nothing was loaded")
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "correct: maybe" in x)) + 1
    expect(report).to_contain_text(f"broken-course.yaml:{line}")
    assert_accessible(page, "admin import with errors")
    assert export_course(Course.objects.get(pk=course.pk)) == before

    # 3. Upload a valid edited file: the plan, then confirm, then the change is applied.
    edited = before.replace(question.prompt, "Which channel do you open first?", 1)
    good_file = tmp_path / "edited-course.yaml"
    good_file.write_text(edited, encoding="utf-8")
    page.get_by_label("Curriculum file(s)").set_input_files(str(good_file))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".import-plan")).to_contain_text(
        "Valid: this is what loading edited-course.yaml will do"
    )
    assert_accessible(page, "admin import plan")
    assert Question.objects.get(pk=question.pk).prompt == question.prompt  # not yet
    page.get_by_role("button", name="Load this curriculum").click()
    expect(page.locator(".messagelist")).to_contain_text(f"Loaded course {course.slug}")
    assert Question.objects.get(pk=question.pk).prompt == "Which channel do you open first?"

    # 4. The instructor area: cohort, quiz statistics, CSV download.
    page.goto(base + "/instructor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Instructor area")
    assert_accessible(page, "instructor home")
    page.get_by_role("link", name="Autumn group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn group")
    assert_accessible(page, "cohort page")

    # Sorting in place with htmx: the table changes, the page does not reload.
    page.get_by_role("link", name="Learner", exact=True).click()
    expect(page.locator("#learners tbody tr").first).to_contain_text("dee")
    expect(page.locator("#learners-status")).to_contain_text("sorted by learner (descending)")
    assert "sort=-name" in page.url
    page.get_by_label("Name contains").fill("bo")
    expect(page.locator("#learners tbody tr")).to_have_count(1)
    expect(page.locator("#learners tbody tr").first).to_contain_text("bo")
    assert_accessible(page, "cohort page filtered")

    quiz = course_with_cohort["quiz"]
    page.get_by_role("link", name=quiz.title).click()
    expect(page.get_by_role("heading", name="Questions")).to_be_visible()
    expect(page.locator(".stat-grid")).to_contain_text("Attempts")
    assert_accessible(page, "quiz statistics")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download questions CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"cohort-autm2345-{quiz.slug}-questions.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("question,kind,prompt,first_attempt_responses,facility_percent")
    assert "Which channel do you open first?" in text

    page.get_by_role("link", name="Which channel do you open first?").click()
    expect(page.get_by_role("heading", name="Options")).to_be_visible()
    assert_accessible(page, "question statistics")

    page.goto(base + f"/instructor/cohorts/{course_with_cohort['cohort'].pk}/")
    simulation = Simulation.objects.filter(course=course).first()
    page.get_by_role("link", name=simulation.title).click()
    expect(page.get_by_role("heading", name="Endings reached")).to_be_visible()
    assert_accessible(page, "simulation statistics")


def test_instructor_area_without_javascript(
    no_js_page: Page, axe_scanner: Page, live_server, course_with_cohort
):
    page = no_js_page
    base = live_server.url
    page.goto(base + "/accounts/login/?next=/instructor/")
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Instructor area")
    assert_accessible(page, "instructor home (no JS)", scanner=axe_scanner)

    # Create a cohort with a plain form post.
    page.get_by_label("Cohort name").fill("Evening group")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evening group")
    expect(page.get_by_role("status").first).to_contain_text("Learners join with the code")
    assert_accessible(page, "new cohort (no JS)", scanner=axe_scanner)

    # Sort and filter the learners of the seeded cohort with plain links and a GET form.
    page.goto(base + f"/instructor/cohorts/{course_with_cohort['cohort'].pk}/")
    page.get_by_role("link", name="Quiz attempts").click()
    assert "sort=attempts" in page.url
    page.get_by_label("Status").select_option("in-progress")
    page.get_by_role("button", name="Filter").click()
    assert "status=in-progress" in page.url
    expect(page.locator("#learners-status")).to_contain_text("(in progress)")
    assert_accessible(page, "cohort filtered (no JS)", scanner=axe_scanner)


def test_learner_joins_a_cohort_by_link(page: Page, live_server, course_with_cohort):
    base = live_server.url
    make_user("eve")
    page.goto(base + "/cohorts/join/AUTM2345/")
    page.get_by_label("Username").fill("eve")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Autumn group?")
    assert_accessible(page, "join confirmation")
    page.get_by_role("button", name="Join Autumn group").click()
    expect(page.get_by_role("status").first).to_contain_text("You joined Autumn group.")
    page.goto(base + "/cohorts/join/")
    page.get_by_label("Cohort code").fill("nope-0000")
    page.get_by_role("button", name="Join cohort").click()
    expect(page.get_by_role("alert")).to_contain_text("No cohort has that code.")
    assert_accessible(page, "join form with error")
