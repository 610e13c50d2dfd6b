"""Courses as places (issue 14): two courses load side by side with the same glossary slug, the catalogue lists
both, each course's pages show only its own path, tracks and glossary, the old URLs lead into the learner's
current course, and the admin offers only a course's own content."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from tests import factories as f
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_curriculum
from training.models import Course, GlossaryTerm, Lesson, LessonProgress, Track

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "fixtures" / "diplomacy-tracks"
EXAMPLE = ROOT / "docs" / "examples" / "example-course.yaml"


@pytest.fixture
def two_courses() -> tuple[Course, Course]:
    out = StringIO()
    call_command("load_curriculum", str(SHIPPED), str(EXAMPLE), stdout=out, stderr=out)
    return Course.objects.get(slug="diplomacy-tracks"), Course.objects.get(slug="example-course")


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_both_courses_load_with_the_same_glossary_slug_and_each_round_trips(two_courses, tmp_path):
    shipped, example = two_courses
    terms = GlossaryTerm.objects.filter(slug="back-channel")
    assert sorted(terms.values_list("course__slug", flat=True)) == ["diplomacy-tracks", "example-course"]
    assert terms.get(course=example).term == "Back channel"
    # Loading both again changes nothing; each course's export loads back to the same text.
    again = load_curriculum([SHIPPED, EXAMPLE])
    assert [r.total("created") + r.total("updated") + r.total("archived") for r in again] == [0, 0]
    for course in (shipped, example):
        exported = export_course(course)
        path = tmp_path / f"{course.slug}.yaml"
        path.write_text(exported, encoding="utf-8")
        load_curriculum([path])
        assert export_course(Course.objects.get(pk=course.pk)) == exported
    assert GlossaryTerm.objects.filter(slug="back-channel").count() == 2


def test_slugs_in_urls_stay_unique_across_courses_and_course_slugs_within_their_course(two_courses, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    # A lesson slug that the shipped course owns: an error (lesson slugs are in URLs).
    taken = tmp_path / "taken.yaml"
    taken.write_text(text.replace("example-what-is-a-back-channel", "two-rooms-one-peace"), "utf-8")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("load_curriculum", str(taken), stdout=out, stderr=out)
    assert "lesson slug `two-rooms-one-peace` already belongs to course `diplomacy-tracks`" in out.getvalue()
    # A track slug the shipped course also uses is fine in another course…
    shared = tmp_path / "shared.yaml"
    shared.write_text(text.replace("example-official", "track-1"), "utf-8")
    call_command("load_curriculum", str(shared), stdout=StringIO(), stderr=StringIO())
    assert sorted(Track.objects.filter(slug="track-1").values_list("course__slug", flat=True)) == [
        "diplomacy-tracks",
        "example-course",
    ]
    # …but twice in the same course it is a duplicate.
    twice = tmp_path / "twice.yaml"
    twice.write_text(text.replace("slug: ripeness", "slug: back-channel"), "utf-8")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("load_curriculum", str(twice), stdout=out, stderr=out)
    assert "duplicate glossary term slug `back-channel`" in out.getvalue()


def test_catalogue_and_course_pages_show_only_their_own_path_tracks_and_glossary(client, two_courses):
    shipped, example = two_courses
    catalogue = html_of(client, "/courses/")
    assert shipped.title in catalogue and example.title in catalogue
    assert 'href="/courses/diplomacy-tracks/"' in catalogue and 'href="/courses/example-course/"' in catalogue
    # A visitor with two courses and none started: home is the catalogue.
    home = html_of(client, "/")
    assert 'href="/courses/diplomacy-tracks/"' in home and 'href="/courses/example-course/"' in home

    own = {
        example: {
            "lessons": list(Lesson.objects.visible().filter(course=example).values_list("title", flat=True)),
            "tracks": list(Track.objects.filter(course=example).values_list("name", flat=True)),
        },
        shipped: {
            "lessons": list(Lesson.objects.visible().filter(course=shipped).values_list("title", flat=True)),
            "tracks": list(Track.objects.filter(course=shipped).values_list("name", flat=True)),
        },
    }
    for course, other in ((example, shipped), (shipped, example)):
        page = html_of(client, f"/courses/{course.slug}/")
        assert f"<h1>{course.title}</h1>" in page
        for title in own[course]["lessons"]:
            assert _escaped(title) in page, title
        for title in own[other]["lessons"]:
            assert _escaped(title) not in page, title
        tracks = html_of(client, f"/courses/{course.slug}/tracks/")
        assert f"<h1>Tracks of {course.title}</h1>" in tracks
        assert all(_escaped(name) in tracks for name in own[course]["tracks"])
        assert not any(f">{_escaped(name)}</a>" in tracks for name in own[other]["tracks"])
        glossary = html_of(client, f"/courses/{course.slug}/glossary/")
        assert f"<h1>Glossary of {course.title}</h1>" in glossary
        ids = set(re.findall(r'class="glossary-entry" id="([^"]+)"', glossary))
        assert ids == set(GlossaryTerm.objects.filter(course=course).values_list("slug", flat=True))
        compare = html_of(client, f"/courses/{course.slug}/tracks/compare/")
        assert f"Compare the tracks of {course.title}" in compare
    # The example's glossary has its own definition of `back-channel`, the shipped one its own.
    example_term = GlossaryTerm.objects.get(course=example, slug="back-channel")
    shipped_term = GlossaryTerm.objects.get(course=shipped, slug="back-channel")
    assert example_term.definition != shipped_term.definition
    track = html_of(client, "/courses/example-course/tracks/example-official/")
    assert "Official track" in track and 'href="/courses/example-course/tracks/compare/"' in track
    assert client.get("/courses/diplomacy-tracks/tracks/example-official/").status_code == 404
    assert client.get("/courses/no-such-course/").status_code == 404


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


def test_home_and_old_urls_follow_the_course_the_learner_last_worked_in(client, learner, two_courses):
    shipped, example = two_courses
    client.force_login(learner)
    # Nothing started: home is the catalogue and the old URLs lead to it.
    assert client.get("/glossary/")["Location"] == "/courses/"
    assert client.get("/tracks/")["Location"] == "/courses/"
    # A track slug that only one course has goes to that course's page.
    assert (
        client.get("/tracks/example-official/")["Location"]
        == "/courses/example-course/tracks/example-official/"
    )
    assert client.get("/tracks/no-such-track/").status_code == 404

    lesson = Lesson.objects.filter(course=example).order_by("position").first()
    LessonProgress.objects.create(user=learner, lesson=lesson, viewed_at="2026-01-01T10:00Z")
    home = html_of(client, "/")
    assert f"<h1>{example.title}</h1>" in home
    # The next step comes before the course's description and path (the first screen of a phone).
    assert home.index('class="button continue"') < home.index('id="path-heading"')
    assert client.get("/glossary/")["Location"] == "/courses/example-course/glossary/"
    assert client.get("/tracks/")["Location"] == "/courses/example-course/tracks/"
    assert client.get("/tracks/compare/")["Location"] == "/courses/example-course/tracks/compare/"
    catalogue = html_of(client, "/courses/")
    assert "Your current course" in catalogue

    # Working later in the shipped course makes it current; `track-1` is then looked up there first.
    shipped_lesson = Lesson.objects.filter(course=shipped).order_by("position").first()
    LessonProgress.objects.create(user=learner, lesson=shipped_lesson, viewed_at="2026-01-02T10:00Z")
    assert f"<h1>{shipped.title}</h1>" in html_of(client, "/")
    assert client.get("/glossary/")["Location"] == "/courses/diplomacy-tracks/glossary/"
    assert client.get("/tracks/track-1/")["Location"] == "/courses/diplomacy-tracks/tracks/track-1/"


def test_with_one_course_the_old_urls_lead_into_it_and_home_shows_it(client):
    course = f.make_course(title="Only course")
    module = f.make_module(course)
    f.make_lesson(module, title="First lesson")
    track = f.make_track(course, slug="only-track")
    assert client.get("/glossary/")["Location"] == f"/courses/{course.slug}/glossary/"
    assert client.get("/tracks/")["Location"] == f"/courses/{course.slug}/tracks/"
    assert client.get(f"/tracks/{track.slug}/")["Location"] == f"/courses/{course.slug}/tracks/{track.slug}/"
    home = html_of(client, "/")
    assert "<h1>Only course</h1>" in home and "First lesson" in home
    assert "All courses" not in home  # no catalogue breadcrumb when there is one course


@override_settings(SITE_NAME="Peace Academy", SITE_TAGLINE="Learn to talk.", SITE_FOOTER="Made by us.")
def test_site_name_tagline_and_footer_come_from_settings(client):
    f.make_course(title="Course A")
    f.make_course(title="Course B")
    home = html_of(client, "/")
    assert "<title>Courses · Peace Academy</title>" in home
    assert "<h1>Peace Academy</h1>" in home and "Learn to talk." in home
    assert "Peace Academy — Made by us." in home
    assert "Diplomacy Tracks" not in home


def test_admin_offers_only_the_course_own_terms_tracks_and_objectives(client, superuser, two_courses):
    shipped, example = two_courses
    client.force_login(superuser)
    lesson = Lesson.objects.filter(course=example).first()
    page = html_of(client, reverse("admin:training_lesson_change", args=[lesson.pk]))

    def options(name: str) -> set[str]:
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
        assert select, name
        return set(re.findall(r'<option value="(\d+)"', select.group(1)))

    def ids(model, course) -> set[str]:
        return {str(pk) for pk in model.objects.filter(course=course).values_list("pk", flat=True)}

    from training.models import LearningObjective, Module

    assert options("tracks") == ids(Track, example)
    assert options("key_terms") == ids(GlossaryTerm, example)
    assert options("objectives") == ids(LearningObjective, example)
    assert options("module") == ids(Module, example)
    # The shipped course's glossary term with the same slug is not offered.
    assert str(GlossaryTerm.objects.get(course=shipped, slug="back-channel").pk) not in options("key_terms")


def test_the_header_menu_leads_to_the_catalogue(client, django_user_model):
    """A "Courses" entry in the main menu (the one menu that collapses on a phone), current on the catalogue."""
    course = f.make_course(title="Course A")
    f.make_lesson(f.make_module(course), title="First lesson")
    for user in (None, django_user_model.objects.create_user("menu-reader")):
        if user is not None:
            client.force_login(user)
        menu = re.search(
            r'<nav aria-label="Main" class="main-nav">(.*?)</nav>', html_of(client, "/"), re.S
        ).group(1)
        assert '<a href="/courses/">Courses</a>' in menu
        catalogue_menu = re.search(
            r'<nav aria-label="Main" class="main-nav">(.*?)</nav>', html_of(client, "/courses/"), re.S
        ).group(1)
        assert '<a href="/courses/" aria-current="page">Courses</a>' in catalogue_menu
