"""A portrait per character (issue 14): a simulation's role and each role of a role-play show their own SVG from
static/img/portraits/, chosen in the YAML (`portrait:`, validated by the loader, exported back) or read from the
character's words; the files are small, self-contained and decorative beside the role's name in text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from roleplay import sessions
from roleplay.models import Participant, Role
from tests.learner_data import make_user
from tests.roleplay_helpers import load_scenario, make_cohort_with, scenario_text
from tests.test_curriculum_errors import edit, example_text, problems_for
from training import portraits
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_texts
from training.curriculum.schema import Portrait
from training.models import Course, Simulation

FOLDER = Path(settings.BASE_DIR) / "static" / "img" / "portraits"
SVG = "{http://www.w3.org/2000/svg}"


def test_every_portrait_is_a_small_self_contained_svg_with_a_title():
    assert set(get_args(Portrait)) == set(portraits.PORTRAITS) == {p.stem for p in FOLDER.glob("*.svg")}
    for path in FOLDER.glob("*.svg"):
        text = path.read_text(encoding="utf-8")
        assert len(text.encode()) < 1500, path.name  # page weight: a portrait is well under 2 KB
        root = ElementTree.fromstring(text)  # noqa: S314 (our own files, not input)
        assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 64 64", path.name
        assert root.find(f"{SVG}title") is not None, path.name
        # Nothing from another host: no images, fonts, links or styles; the only URL is the SVG namespace.
        assert not re.search(r"<(image|text|style|a|use|foreignObject)\b|@import|href=", text), path.name
        assert re.findall(r"https?://[^\"]+", text) == ["http://www.w3.org/2000/svg"], path.name
    # Seven different pictures, not one picture seven times.
    assert len({path.read_bytes() for path in FOLDER.glob("*.svg")}) == len(portraits.PORTRAITS)


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("You are the **senior policy adviser to Arland's defence minister**.", "adviser"),
        ("You are the **programme director** of the Calder Centre for Dialogue.", "convener"),
        ("You are a **convener** of an unofficial dialogue.", "convener"),
        ("Mediator (Meridian Initiative) mediator", "mediator"),
        ("Ilsa Delta Civic Coalition delta coalition", "civic"),
        ("Korvian delegation korvian delegation", "delegate"),
        ("Valdia's chief negotiator valdia negotiator", "negotiator"),
        ("The commander of the naval patrol", "officer"),
    ],
)
def test_a_portrait_is_read_from_the_characters_words(description, expected):
    assert portraits.portrait_key(chosen="", description=description) == expected


def test_a_chosen_portrait_wins_and_unnamed_roles_differ_by_position():
    assert portraits.portrait_key(chosen="officer", description="a mediator") == "officer"
    unnamed = [portraits.portrait_key(chosen="", description="North north", position=i) for i in range(7)]
    assert len(set(unnamed)) == 7


@pytest.mark.django_db
def test_the_loader_refuses_an_unknown_portrait_and_stores_and_exports_a_known_one(tmp_path):
    text = example_text()
    needle = "    role: You are a **convener** of an unofficial dialogue.\n"
    path, problems = problems_for(tmp_path, edit(text, needle, needle + "    portrait: wizard\n"))
    assert any(p.path.endswith(".portrait") and "adviser" in p.message for p in problems), problems

    load_texts({"course.yaml": edit(text, needle, needle + "    portrait: officer\n")})
    simulation = Simulation.objects.get(slug="example-quiet-talks")
    assert simulation.portrait == "officer"
    assert simulation.portrait_path == "img/portraits/officer.svg"
    exported = export_course(Course.objects.get(slug="example-course"))
    assert "    portrait: officer\n" in exported


@pytest.mark.django_db
def test_without_a_choice_the_simulation_shows_the_portrait_its_role_names(client):
    load_texts({"course.yaml": example_text()})
    simulation = Simulation.objects.get(slug="example-quiet-talks")
    assert simulation.portrait == ""
    client.force_login(make_user("sim-player"))
    intro = client.get(f"/simulations/{simulation.slug}/").content.decode()
    assert re.search(
        r'<h2 id="role-heading"[^>]*><img class="sim-portrait" src="/static/img/portraits/convener\.svg[^"]*" alt=""',
        intro,
    )


@pytest.mark.django_db
def test_each_role_of_a_roleplay_shows_its_own_portrait_beside_its_name(learner, other_learner, instructor):
    roleplay = load_scenario(
        scenario_text(
            (
                "        title: Northern delegation\n",
                "        title: Northern delegation\n        portrait: officer\n",
            )
        )
    )
    chosen = {role.slug: role.portrait_path for role in Role.objects.filter(roleplay=roleplay)}
    assert chosen == {
        "north": "img/portraits/officer.svg",  # chosen in the YAML
        "south": "img/portraits/delegate.svg",  # "delegation" in its title
        "mediator": "img/portraits/mediator.svg",
    }
    cohort = make_cohort_with(instructor, learner, other_learner)
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in (learner, other_learner):
        sessions.join_session(session=session, user=user)
    (group,) = sessions.assign_roles(session=session)
    seat = Participant.objects.get(user=learner).seat
    browser = Client()
    browser.force_login(learner)
    page = browser.get(reverse("roleplay_play", args=[group.pk])).content.decode()
    mine = seat.role
    assert re.search(
        rf'<h2 id="my-role"[^>]*><img class="rp-portrait" src="/static/{re.escape(mine.portrait_path)}[^"]*" alt=""[^>]*> '
        rf"<span>Your role: {re.escape(mine.title)}</span></h2>",
        page,
    )
    # The public briefs list every seated role with its own picture and its name in text.
    for other in group.seats.select_related("role"):
        assert re.search(
            rf'<summary><img class="rp-portrait" src="/static/{re.escape(other.role.portrait_path)}[^"]*" alt=""[^>]*> '
            rf"{re.escape(other.role.title)}</summary>",
            page,
        ), other.role.slug
