"""Content models: constraints, QuerySets, readable names, permissions, and the factories other tests use."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from tests.factories import (
    make_citation,
    make_course,
    make_lesson,
    make_module,
    make_question,
    make_quiz,
    make_reference,
    make_simulation,
    make_track,
)
from training.curriculum.guards import parse_guard
from training.models import Choice, Lesson, Meter, Node, Question, Status


@pytest.mark.django_db
def test_factories_build_valid_content_of_every_kind():
    course = make_course()
    module = make_module(course)
    lesson = make_lesson(module)
    quiz = make_quiz(module, mode="assessment")
    single = make_question(quiz)
    assert list(single.choices.values_list("correct", flat=True)) == [True, False, False]
    order = make_question(quiz, kind="order")
    assert list(order.choices.values_list("correct_position", flat=True)) == [1, 2, 3]
    sort = make_question(quiz, kind="sort")
    assert [c.category.key for c in sort.choices.all()] == ["track-1", "track-2"]
    check = make_question(lesson=lesson, kind="multiple")
    assert check.lesson == lesson and check.course == course and check.position == 0
    assert [q.position for q in quiz.questions.in_order()] == [0, 1, 2]
    simulation = make_simulation(module)
    assert simulation.start_node.key == "start"
    guarded = simulation.start_node.options.get(key="b")
    assert not parse_guard(guarded.guard).evaluate({m.key: m.start for m in simulation.meters.all()})
    cite = make_citation(lesson)
    assert cite.course == course and str(cite) == "Introduction, ¶1"
    assert str(make_citation(single, reference=make_reference(course, title="Handbook"), locator="p. 4")) == (
        "Handbook, p. 4"
    )


@pytest.mark.django_db
def test_published_excludes_drafts_and_archived_and_in_order_sorts_by_position():
    module = make_module(make_course())
    second = make_lesson(module, position=2, title="Second")
    first = make_lesson(module, position=1, title="First")
    make_lesson(module, position=3, status=Status.DRAFT)
    make_lesson(module, position=4, archived=True)
    assert list(Lesson.objects.published().in_order()) == [first, second]
    assert Lesson.objects.active().count() == 3
    assert str(first) == "First"


@pytest.mark.django_db
def test_question_belongs_to_exactly_one_of_quiz_or_lesson():
    module = make_module(make_course())
    quiz, lesson = make_quiz(module), make_lesson(module)
    question = make_question(quiz)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(lesson=lesson)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(quiz=None)


@pytest.mark.django_db
def test_meter_start_must_lie_between_min_and_max():
    simulation = make_simulation(make_module(make_course()))
    with pytest.raises(IntegrityError), transaction.atomic():
        Meter.objects.create(simulation=simulation, key="x", label="X", min=0, max=10, start=11)


@pytest.mark.django_db
def test_keys_are_unique_within_their_parent_and_slugs_globally():
    quiz = make_quiz(make_module(make_course()))
    question = make_question(quiz)
    with pytest.raises(IntegrityError), transaction.atomic():
        Choice.objects.create(question=question, key="a", text="Duplicate")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_question(make_quiz(make_module(make_course())), slug=question.slug)


@pytest.mark.django_db
def test_nodes_that_options_lead_to_are_protected():
    simulation = make_simulation(make_module(make_course()))
    with pytest.raises(ProtectedError):
        Node.objects.get(simulation=simulation, key="success").delete()


@pytest.mark.django_db
def test_course_is_inherited_from_the_parent_on_save():
    course = make_course()
    module = make_module(course)
    lesson = Lesson.objects.create(module=module, slug="inherits", title="T", minutes=3, body="B")
    assert lesson.course == course
    track = make_track(course, name="Track I")
    assert str(track) == "Track I"


@pytest.mark.django_db
def test_instructors_may_manage_every_content_model():
    codenames = set(Group.objects.get(name="Instructors").permissions.values_list("codename", flat=True))
    for model in ("course", "lesson", "question", "choice", "simulation", "node", "option", "citation"):
        assert {f"add_{model}", f"change_{model}", f"delete_{model}", f"view_{model}"} <= codenames
