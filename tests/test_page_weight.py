"""Page weight: each main page's HTML plus every stylesheet and script it loads stays under 100 KB, all from
this site.

Pages are rendered with the shipped course through the test client; the CSS and JS they reference are
measured from the files the static finders serve (what WhiteNoise sends, before compression).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.learner_data import instructors_group
from tests.site_tour import optional
from training import quizzes, simulation
from training.certificates import new_code
from training.models import Certificate, Course, Lesson, Quiz, Simulation, Track

BUDGET = 100 * 1024
OFF_SITE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


class Assets(HTMLParser):
    """The stylesheets and scripts a page loads, and every URL in a src/href of a link or script."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.resource_urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href"):
            self.resource_urls.append(a["href"])
            if "stylesheet" in (a.get("rel") or "").split():
                self.styles.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.resource_urls.append(a["src"])
            self.scripts.append(a["src"])
        elif tag in ("img", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.resource_urls.append(a["src"])


def static_size(url: str) -> int:
    assert url.startswith(
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
    )
    relative = url.split("?", 1)[0].split("/static/", 1)[1]
    path = finders.find(relative)
    assert path, f"{url} is not a static file"
    with open(path, "rb") as handle:
        return len(handle.read())


def play_to_an_ending(user, sim):
    """A finished run of `sim`: the first open option at every decision (its debrief page is the heaviest)."""
    run = simulation.start_run(user=user, simulation=sim)
    for _ in range(100):
        run.refresh_from_db()
        if run.finished_at is not None:
            return run
        meters = simulation.learner_meters(sim.pk)
        values = simulation.meter_values(meters, run.meters)
        options = simulation.available_options(
            list(simulation.learner_options(run.current_node_id)), values, run.flags
        )
        key = next(view.option.key for view in options if view.available)
        simulation.choose(user=user, run_id=run.pk, node_id=run.current_node_id, option_key=key)
    raise AssertionError(f"{sim.slug}: no ending within 100 decisions")


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The shipped course, a learner with a quiz attempt and a simulation run, and an instructor."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_curriculum", "fixtures/diplomacy-tracks", verbosity=0)
            User = get_user_model()
            learner = User.objects.create_user("weigher", password="a-long-pass-phrase")
            instructor = User.objects.create_user("teacher", password="a-long-pass-phrase", is_staff=True)
            instructor.groups.add(instructors_group())
            course = Course.objects.published().first()
            quizzes_ = list(Quiz.objects.published().filter(course=course).in_order())
            quiz = quizzes_[0]
            attempt, _ = quizzes.start_attempt(user=learner, quiz=quiz)
            sims = list(Simulation.objects.published().filter(course=course).in_order())
            sim = sims[0]
            run = simulation.start_run(user=learner, simulation=sim)
            debriefed = play_to_an_ending(learner, sims[1])
            # A submitted attempt (its results).
            done, _ = quizzes.start_attempt(user=learner, quiz=quizzes_[-1])
            quizzes.submit_attempt(user=learner, attempt=done)
            certificate = Certificate.objects.create(
                user=learner, course=course, code=new_code(), name="Weigher", issued_at=timezone.now()
            )
            lesson = Lesson.objects.published().filter(course=course).in_order().first()
            track = Track.objects.published().filter(course=course).in_order().first()
            pages = {
                "home": ("/", learner),
                "track": (track.get_absolute_url(), learner),
                "glossary": (f"/courses/{course.slug}/glossary/", learner),
                "lesson": (lesson.get_absolute_url(), learner),
                "quiz intro": (quiz.get_absolute_url(), learner),
                "quiz question": (f"{quiz.get_absolute_url()}attempts/{attempt.pk}/questions/1/", learner),
                "simulation": (sim.get_absolute_url(), learner),
                "simulation run": (f"{sim.get_absolute_url()}runs/{run.pk}/", learner),
                "simulation debrief": (f"{sims[1].get_absolute_url()}runs/{debriefed.pk}/", learner),
                "progress": ("/progress/", learner),
                "review": ("/review/", learner),
                "instructor home": ("/instructor/", instructor),
                "compare": (f"/courses/{course.slug}/tracks/compare/", learner),
                "quiz results": (f"{done.quiz.get_absolute_url()}attempts/{done.pk}/results/", learner),
                "certificate": (f"/certificates/{certificate.code}/", learner),
                "join a cohort": ("/cohorts/join/", learner),
            }
            catalogue = optional("course_list")
            if catalogue:  # the course catalogue, once it exists
                pages["courses"] = (catalogue, learner)
            yield pages
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


PAGES = [
    "home",
    "track",
    "glossary",
    "lesson",
    "quiz intro",
    "quiz question",
    "simulation",
    "simulation run",
    "simulation debrief",
    "progress",
    "review",
    "instructor home",
    "compare",
    "quiz results",
    "certificate",
    "join a cohort",
    "courses",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_main_page_weighs_under_100_kb_with_its_css_and_js_from_this_site(site, name):
    assert name in site, f"{name}: the site fixture has no URL for it"
    path, user = site[name]
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, f"{name}: {path} → {response.status_code}"
    html = response.content.decode()
    assets = Assets()
    assets.feed(html)
    off_site = [url for url in assets.resource_urls if OFF_SITE.match(url)]
    assert off_site == [], f"{name} loads from another host: {off_site}"
    assert assets.styles, f"{name} has no stylesheet: is it the real page?"
    weight = len(response.content) + sum(static_size(url) for url in {*assets.styles, *assets.scripts})
    print(f"{name}: {weight / 1024:.1f} KB ({len(response.content) / 1024:.1f} KB HTML)")
    assert weight < BUDGET, f"{name} weighs {weight / 1024:.1f} KB"
