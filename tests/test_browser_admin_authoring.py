"""Real Chromium, issue 15's acceptance 1 and 3: an instructor in the Instructors group (not a superuser) builds,
from nothing inside an empty draft course, by filling the admin's forms: a module, a lesson with a check, a quiz
with one question of each of the four kinds (the sort question's categories and items on one form), and a
simulation with three meters, four decision nodes (one guarded option) and three endings; publishes them; a
learner then plays the simulation to two endings and takes the quiz to its results. No YAML. Then the course
is exported, loaded into an empty database (a fresh SQLite file, by `manage.py` in a subprocess) and exported
from there again: byte-identical."""

from __future__ import annotations

import os
import re
import subprocess  # nosec B404 — runs this project's own manage.py
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.learner_data import PASSWORD, make_user
from tests.test_browser_learner_journey import answer_with_pointer, current_question, open_attempt
from training import models as m

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COURSE = "built-course"
SAVED = 15_000  # ms: a save checks the whole course with the loader's rules, which can outlast expect's 5 s


@pytest.fixture
def empty_course(transactional_db):
    make_user("tess", instructor=True)
    make_user("player")
    return m.Course.objects.create(
        slug=COURSE, title="Built in the admin", summary="Built by hand.", status=m.Status.DRAFT
    )


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(username)


def save(page: Page, what: str) -> None:
    """Press Save; the admin confirms (a refused save would stay on the form with its errors)."""
    page.locator('#content-main input[name="_save"]').first.click()
    expect(page.locator(".messagelist .success")).to_contain_text(what, timeout=SAVED)


def add_rows(page: Page, group: str, count: int) -> None:
    """Click the inline's "Add another …" link until it has `count` rows to fill."""
    rows = page.locator(f"#{group}-group .dynamic-{group}")
    while rows.count() < count:
        page.locator(f"#{group}-group .add-row a").click()


def fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f"#id_{name}")
        kind = field.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            field.select_option(value)
        elif kind == "checkbox":
            field.set_checked(value == "on")
        else:
            field.fill(value)


def add_question(page: Page, base: str, kind: str, slug: str, parent: dict[str, str], choices, categories=()):
    page.goto(f"{base}/admin/training/question/add/")
    fill(
        page,
        {
            **parent,
            "slug": slug,
            "kind": kind,
            "status": "published",
            "scenario": f"A mediator prepares the {kind} step of a ceasefire negotiation.",
            "prompt": f"What should the mediator do ({kind})?",
            "explanation": "Trust comes before terms; the parties own the outcome.",
        },
    )
    if categories:
        add_rows(page, "categories", len(categories))
        for index, label in enumerate(categories):
            fill(page, {f"categories-{index}-label": label})
    add_rows(page, "choices", len(choices))
    for index, choice in enumerate(choices):
        fill(page, {f"choices-{index}-feedback": f"Why choice {index + 1} is or is not best.", **choice})
    save(page, "was added successfully")


def add_node(page: Page, base: str, sim: m.Simulation, key: str, *, ending: str = "", options=()):
    page.goto(f"{base}/admin/training/node/add/")
    fill(
        page,
        {
            "simulation": str(sim.pk),
            "key": key,
            "title": f"Node {key}",
            "situation": f"The talks reach the **{key}** stage.",
        },
    )
    if ending:
        fill(page, {"is_ending": "on", "outcome": ending, "debrief": f"What the {ending} ending teaches."})
    add_rows(page, "options", len(options))
    for index, (option_key, target, *extra) in enumerate(options):
        row = {
            "key": option_key,
            "text": f"Choose {option_key}",
            "next_node": str(m.Node.objects.get(simulation=sim, key=target).pk),
            "feedback": f"Feedback on {option_key}.",
            **(extra[0] if extra else {}),
        }
        fill(page, {f"options-{index}-{name}": value for name, value in row.items()})
    save(page, "was added successfully")


def build_course(page: Page, base: str, course: m.Course) -> None:
    log_in(page, base, "tess")
    page.goto(f"{base}/admin/training/module/add/")
    fill(
        page,
        {
            "course": str(course.pk),
            "slug": "built-module",
            "title": "Mediation basics",
            "summary": "The basics.",
        },
    )
    save(page, "was added successfully")
    module = m.Module.objects.get(slug="built-module")
    assert module.status == m.Status.DRAFT  # draft first

    page.goto(f"{base}/admin/training/lesson/add/")
    fill(
        page,
        {
            "module": str(module.pk),
            "title": "Why trust comes first",
            "slug": "trust-first",
            "minutes": "5",
            "body": "Parties settle when they trust the process.\n\nA mediator earns that trust first.",
        },
    )
    expect(page.locator("#markdown-preview")).to_contain_text("A mediator earns that trust first.")
    save(page, "was added successfully")
    lesson = m.Lesson.objects.get(slug="trust-first")
    add_question(
        page,
        base,
        "single",
        "check-trust",
        {"lesson": str(lesson.pk)},
        [{"choices-0-text": "Build trust", "choices-0-correct": "on"}, {"choices-1-text": "Impose terms"}],
    )

    page.goto(f"{base}/admin/training/quiz/add/")
    fill(
        page,
        {"module": str(module.pk), "title": "Mediation quiz", "slug": "built-quiz", "pass_mark": "50"},
    )
    save(page, "was added successfully")
    quiz = {"quiz": str(m.Quiz.objects.get(slug="built-quiz").pk)}
    add_question(
        page,
        base,
        "single",
        "q-single",
        quiz,
        [
            {"choices-0-text": "Meet both sides separately", "choices-0-correct": "on"},
            {"choices-1-text": "Publish a plan"},
        ],
    )
    add_question(
        page,
        base,
        "multiple",
        "q-multiple",
        quiz,
        [
            {"choices-0-text": "Listen", "choices-0-correct": "on"},
            {"choices-1-text": "Summarise", "choices-1-correct": "on"},
            {"choices-2-text": "Threaten"},
        ],
    )
    add_question(
        page,
        base,
        "order",
        "q-order",
        quiz,
        [
            {"choices-0-text": "Agree an agenda", "choices-0-correct_position": "2"},
            {"choices-1-text": "Meet", "choices-1-correct_position": "1"},
            {"choices-2-text": "Draft terms", "choices-2-correct_position": "3"},
        ],
    )
    # A sort question in one pass: its categories, and items naming them by label.
    add_question(
        page,
        base,
        "sort",
        "q-sort",
        quiz,
        [
            {"choices-0-text": "A ministers' summit", "choices-0-category_key": "Track I"},
            {"choices-1-text": "A workshop of academics", "choices-1-category_key": "Track II"},
        ],
        categories=["Track I", "Track II"],
    )

    page.goto(f"{base}/admin/training/simulation/add/")
    fill(
        page,
        {
            "module": str(module.pk),
            "title": "The ceasefire talks",
            "slug": "built-sim",
            "role": "You are the mediator.",
            "situation": "A ceasefire is fragile.",
        },
    )
    add_rows(page, "meters", 3)
    for index, (key, high, start) in enumerate((("trust", 100, 50), ("time", 10, 5), ("face", 100, 50))):
        row = {"key": key, "label": key.title(), "min": "0", "max": str(high), "start": str(start)}
        fill(page, {f"meters-{index}-{name}": value for name, value in row.items()})
    save(page, "was added successfully")
    sim = m.Simulation.objects.get(slug="built-sim")

    # The endings first, then each decision with options leading to nodes that exist.
    for key, outcome in (("win", "success"), ("half", "mixed"), ("lose", "failure")):
        add_node(page, base, sim, key, ending=outcome)
    add_node(
        page, base, sim, "d4", options=[("settle", "half"), ("walk", "lose", {"effects": '{"face": -20}'})]
    )
    add_node(page, base, sim, "d3", options=[("wait", "d4", {"effects": '{"time": -2}'}), ("leave", "lose")])
    guarded = {"guard": "trust >= 60", "reason": "They do not trust you enough yet."}
    add_node(page, base, sim, "d2", options=[("deal", "win", guarded), ("stall", "d3")])
    add_node(page, base, sim, "d1", options=[("listen", "d2", {"effects": '{"trust": 20}'}), ("push", "d3")])

    # Publish: the simulation (with its start), the lesson, quiz and module, then the course.
    page.goto(f"{base}/admin/training/simulation/{sim.pk}/change/")
    fill(page, {"start_node": str(m.Node.objects.get(simulation=sim, key="d1").pk), "status": "published"})
    save(page, "was changed successfully")
    for model in ("lesson", "quiz", "module"):
        page.goto(f"{base}/admin/training/{model}/")
        page.locator("#action-toggle").check()
        page.locator('select[name="action"]').select_option("publish")
        page.locator('button[name="index"]').click()
        expect(page.locator(".messagelist .success")).to_be_visible(timeout=SAVED)
    page.goto(f"{base}/admin/training/course/{course.pk}/change/")
    fill(page, {"status": "published"})
    save(page, "was changed successfully")


def play(page: Page, base: str, keys: list[str], ending: str) -> None:
    page.goto(f"{base}/simulations/built-sim/")
    page.get_by_role("button", name=re.compile("Start the simulation|Play again")).click()
    for key in keys:
        page.locator(f'button[name="option"][value="{key}"]').click()
    expect(page.get_by_role("heading", name=f"Node {ending}", level=2)).to_be_visible()


def take_quiz(page: Page, base: str) -> None:
    page.goto(f"{base}/quizzes/built-quiz/")
    page.get_by_role("button", name="Start the quiz").click()
    attempt = open_attempt("built-quiz")
    total = len(attempt.question_ids)
    assert total == 4
    for number in range(1, total + 1):
        expect(page.locator(".question-count")).to_contain_text(f"Question {number} of {total}")
        answer_with_pointer(page, current_question(attempt, number), attempt)
        page.get_by_role("button", name="Check my answer").click()
        expect(page.locator("#question .feedback")).to_contain_text("Correct")
        if number < total:
            page.locator("#question").get_by_role("link", name="Next question").click()
    page.locator("#question").get_by_role("button", name="Submit and see results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Results: "))
    expect(page.locator(".result .score")).to_contain_text("100%")


def export_in_a_fresh_database(text: str, tmp_path: Path) -> str:
    """Load `text` into an empty SQLite database (migrated from nothing) and export it from there."""
    database = tmp_path / "fresh.sqlite3"
    source = tmp_path / f"{COURSE}.yaml"
    source.write_text(text, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_TESTING": "true"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    script = (
        "from django.core.management import call_command as c; "
        f"c('migrate', verbosity=0); c('load_curriculum', {str(source)!r}, verbosity=0); "
        f"c('export_curriculum', {COURSE!r}, output={str(tmp_path / 'again.yaml')!r})"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True, capture_output=True, timeout=300)  # nosec B603
    return (tmp_path / "again.yaml").read_text(encoding="utf-8")


def test_an_instructor_builds_a_course_in_the_admin_and_a_learner_uses_it(
    browser: Browser, page: Page, live_server, empty_course, tmp_path
):
    base = live_server.url
    page.set_default_navigation_timeout(30_000)  # every save checks the whole course; a busy machine is slow
    build_course(page, base, empty_course)
    assert m.Question.objects.visible().filter(course=empty_course).count() == 5
    assert m.Node.objects.filter(simulation__slug="built-sim").count() == 7

    learner = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    player = learner.new_page()
    player.set_default_timeout(15_000)
    player.set_default_navigation_timeout(30_000)
    log_in(player, base, "player")
    play(player, base, ["listen", "deal"], "win")
    play(player, base, ["push", "wait", "walk"], "lose")
    assert m.SimulationRun.objects.filter(user__username="player").reached_an_ending().count() == 2
    take_quiz(player, base)
    learner.close()

    # YAML stays the source of truth: export, load into an empty database, export again: byte-identical.
    call_command("export_curriculum", COURSE, output=str(tmp_path / "exported.yaml"), stdout=StringIO())
    exported = (tmp_path / "exported.yaml").read_text(encoding="utf-8")
    assert "slug: q-sort" in exported and "guard: trust >= 60" in exported and "status: draft" not in exported
    assert export_in_a_fresh_database(exported, tmp_path) == exported
