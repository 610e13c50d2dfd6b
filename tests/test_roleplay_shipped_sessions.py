"""Each shipped role-play runs through the engine: a cohort of eleven learners is placed in parallel groups
(required roles first, the optional mediator only where a group has a learner for it, the rest observing),
every phase is played, a proposal of the joint-gain package is accepted by every seat and each role scores what
its points table says; the groups without an agreement score their walk-aways."""

from __future__ import annotations

from pathlib import Path

import pytest

from roleplay import sessions
from roleplay.models import Participant, RolePlay
from roleplay.outcomes import group_outcomes
from roleplay.scoring import joint_gain_maximum, score
from tests.learner_data import make_cohort, make_user
from training.curriculum.loader import load_curriculum
from training.models import Course

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "diplomacy-tracks"


@pytest.fixture(scope="module")
def shipped(django_db_setup, django_db_blocker):
    """The shipped course, loaded once for the module and rolled back after it (each test runs in its own
    savepoint inside)."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_curriculum([SHIPPED])
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("slug", ["teveren-line-workshop", "ilsa-delta-conference"])
def test_a_cohort_plays_the_shipped_roleplay_to_its_joint_gain_package(shipped, instructor, slug):
    roleplay = RolePlay.objects.get(slug=slug)
    learners = [make_user(f"{slug[:5]}-learner-{n}") for n in range(11)]
    cohort = make_cohort(
        Course.objects.get(slug="diplomacy-tracks"), instructors=[instructor], learners=learners
    )
    session = sessions.start_session(roleplay=roleplay, cohort=cohort, instructor=instructor)
    for user in learners:
        sessions.join_session(session=session, user=user)
    groups = sessions.assign_roles(session=session)
    roles = roleplay.active_roles()
    required = [r for r in roles if not r.optional]
    assert len(groups) == 11 // len(required)
    sizes = [Participant.objects.filter(group=g).count() for g in groups]
    assert sum(sizes) == 11 and max(sizes) - min(sizes) <= 1
    for group in groups:
        seated = set(group.seats.values_list("role__slug", flat=True))
        assert {r.slug for r in required} <= seated
        assert Participant.objects.filter(seat__group=group).count() == len(seated)  # every seat is held

    # Play every phase; the first group agrees on the joint-gain package of its seated roles.
    first = groups[0]
    seats = list(first.seats.select_related("role", "holder__user"))
    phases = roleplay.active_phases()
    for index, phase in enumerate(phases):
        if index:
            sessions.advance_phase(session=session)
        seat = seats[0]
        channel = {"preparation": f"caucus:{seat.role.caucus}", "caucus": f"caucus:{seat.role.caucus}"}.get(
            phase.kind,
            "group"
            if phase.kind == "plenary"
            else f"pair:{min(seat.role.slug, seats[1].role.slug)}+{max(seat.role.slug, seats[1].role.slug)}",
        )
        sessions.post_message(
            group=first, seat=seat, author=seat.holder.user, channel=channel, text=f"In {phase.slug}"
        )
    table = roleplay.points_table(roles=[s.role for s in seats])
    best = joint_gain_maximum(table)[0]
    proposal = sessions.propose(
        group=first, seat=seats[0], author=seats[0].holder.user, choices=dict(best.package)
    )
    for seat in seats[1:]:
        sessions.respond(proposal=proposal, seat=seat, author=seat.holder.user, accepted=True)
    first.refresh_from_db()
    assert first.agreed_package == dict(best.package)
    sessions.end_session(session=session)
    results = {o.group.pk: o for o in group_outcomes(session)}
    assert results[first.pk].scores == score(table, best.package)
    assert all(results[first.pk].scores[r.slug] > r.walk_away for r in required)
    for group in groups[1:]:
        assert not results[group.pk].agreed
        assert results[group.pk].scores == {r.slug: r.walk_away for r in results[group.pk].roles}
