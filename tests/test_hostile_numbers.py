"""Numbers read from a request: ASCII digits of a sane length, or nothing (never a 500)."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tests import factories
from training.models import Question
from training.plain_text import small_int
from training.views.learn import check_form

pytestmark = pytest.mark.django_db

HOSTILE_NUMBERS = ["²", "٣", "9" * 10_000, "9" * 19, "-1", "1.5", " 1", ""]


def test_small_int_takes_ascii_digits_only():
    assert small_int("0") == 0
    assert small_int("42") == 42
    assert small_int("9" * 18) == int("9" * 18)
    for value in [*HOSTILE_NUMBERS, None]:
        assert small_int(value) is None, value


@pytest.mark.parametrize("value", HOSTILE_NUMBERS, ids=repr)
def test_answer_again_with_a_hostile_number_is_not_a_500(client, learner, value):
    lesson = factories.make_lesson(factories.make_module(factories.make_course()))
    factories.make_question(lesson=lesson)
    client.force_login(learner)
    url = lesson.get_absolute_url()
    assert client.get(url, {"again": value}).status_code == 200
    assert client.get(url, {"again": value}, headers={"HX-Request": "true"}).status_code in (200, 404)


@pytest.mark.parametrize("value", HOSTILE_NUMBERS, ids=repr)
def test_an_order_question_posted_with_a_hostile_position_shows_its_form_again(value):
    lesson = factories.make_lesson(factories.make_module(factories.make_course()))
    question = factories.make_question(lesson=lesson, kind=Question.Kind.ORDER)
    empty = check_form(question)
    data = QueryDict(mutable=True)
    for name in empty.fields:
        if name.startswith("position-"):
            data[name] = value
    form = check_form(question, data=data)
    assert not form.is_valid()
    assert all(form.state_of(key)["position"] is None for key in form.tokens)
