"""Real Chromium, issue 15's acceptance 4: axe finds no violation on the admin pages an instructor uses — the
index, every content model's changelist, add and change page, the YAML import page, a simulation's graph and
the Markdown preview (live, next to the form, and the no-JavaScript preview page) — at 1,280 px, and the busiest
of them at 390 px. The admin is usable by keyboard: a module is added with the keyboard alone."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from playwright.sync_api import Page, expect

from tests.axe import violations_report
from tests.learner_data import PASSWORD, make_user
from tests.roleplay_helpers import make_roleplay
from tests.test_browser_learner_journey import tab_to
from training.admin.validation import ContentAdmin
from training.models import Capstone, Case, Course, Lesson, Module, Simulation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def example_course(transactional_db):
    """The example course, and a row of every content model it lacks (a role-play, a case, a capstone)."""
    call_command("load_curriculum", "docs/examples/example-course.yaml", stdout=StringIO())
    course = Course.objects.get()
    make_roleplay(course)
    Case.objects.create(
        course=course, slug="a-case", title="A case", period="1991", summary="S.", moved="M.", outcome="O."
    )
    Capstone.objects.create(
        course=course,
        slug="a-capstone",
        title="A capstone",
        brief="Write.",
        pass_mark=1,
        rubric=[{"criterion": "Clear", "points": 1}],
    )
    make_user("tess", instructor=True)
    return course


def content_pages() -> list[str]:
    """The changelist, add and change page of every content model registered in the admin (the add page when
    an instructor may add one: courses come from the import page)."""
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="tess")
    urls = []
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label):
        if not isinstance(model_admin, ContentAdmin):
            continue
        opts = model._meta
        prefix = f"/admin/{opts.app_label}/{opts.model_name}/"
        first = model.objects.order_by("pk").first()
        assert first is not None, f"no {opts.label} to open"
        urls += [prefix, f"{prefix}{first.pk}/change/"]
        if model_admin.has_add_permission(request):
            urls.append(prefix + "add/")
    return urls


def test_every_admin_page_an_instructor_uses_is_accessible(page: Page, live_server, example_course):
    base = live_server.url
    page.set_default_navigation_timeout(
        30_000
    )  # some change pages check a whole course; a busy machine is slow
    page.goto(base + "/admin/")
    page.get_by_label("Username:").fill("tess")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curriculum and learners")).to_be_visible()

    simulation = Simulation.objects.get()
    lesson = Lesson.objects.order_by("pk").first()
    busiest = [
        "/admin/",
        f"/admin/training/lesson/{lesson.pk}/change/",
        f"/admin/training/question/{lesson.module.quizzes.first().questions.first().pk}/change/",
        f"/admin/training/simulation/{simulation.pk}/change/",
        f"/simulations/{simulation.slug}/graph/",
    ]
    pages = [
        (1280, url)
        for url in [
            "/admin/",
            "/admin/training/course/import/",
            *content_pages(),
            f"/simulations/{simulation.slug}/graph/",
        ]
    ] + [(390, url) for url in busiest]
    reports = []
    for width, url in pages:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(base + url)
        assert response is not None and response.status == 200, url
        if report := violations_report(page):
            reports.append(f"== {url} at {width} px\n{report}")

    # The live preview beside the lesson's form, and the page its Preview button opens without JavaScript.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/training/lesson/{lesson.pk}/change/")
    page.locator("#id_body").fill("## Talks\n\nA [[ripeness|ripe moment]] for **talks**.")
    expect(page.locator("#markdown-preview strong")).to_have_text("talks")
    if report := violations_report(page):
        reports.append(f"== live preview\n{report}")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview").click()
    preview = opened.value
    expect(preview.get_by_role("heading", level=1)).to_have_text("Preview of the lesson body")
    if report := violations_report(preview):
        reports.append(f"== preview page\n{report}")
    preview.close()
    assert not reports, "\n".join(reports)

    # Keyboard only: a new module, from the first field to Save.
    page.goto(f"{base}/admin/training/module/add/")
    tab_to(page, "#id_slug")
    page.keyboard.type("kb-module")
    tab_to(page, "#id_course")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_title")
    page.keyboard.type("Typed with the keyboard")
    tab_to(page, "#id_summary")
    page.keyboard.type("Every field reached with Tab.")
    tab_to(page, 'input[name="_save"]')
    page.keyboard.press("Enter")
    # A save checks the whole course with the loader's rules: allow it more than expect's default 5 s.
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully", timeout=15_000)
    assert Module.objects.get(slug="kb-module").course == example_course
