"""Acceptance of issue 15 through the admin's forms (Django's test client; no YAML involved): an instructor in
the Instructors group builds, inside an empty draft course, a module, a lesson with a check, a quiz with one
question of each of the four kinds, and a simulation with three meters, four decision nodes (one guarded
option) and three endings; publishes them; a learner then plays the simulation to two endings and takes the
quiz. Then: export, load into an empty database, export again — byte-identical."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.admin_forms import change_form_data
from tests.learn_helpers import right_answer_data
from tests.learner_data import make_user
from training import models as m
from training.curriculum.exporter import export_course
from training.curriculum.loader import load_texts

pytestmark = pytest.mark.django_db

OPTION_JSON = {
    "effects": "{}",
    "sets": "[]",
    "clears": "[]",
    "follows": "[]",
    "breaks": "[]",
    "later": "[]",
    "branches": "[]",
    "unavailable": "show",
}


def _errors(response) -> list:
    context = response.context
    if context is None:
        return [response.status_code]
    found = [context["adminform"].form.errors] if "adminform" in context else []
    for inline in context.get("inline_admin_formsets", []):
        found += [inline.formset.non_form_errors(), *[f.errors for f in inline.formset.forms if f.errors]]
    return [e for e in found if e]


def admin_save(client, model, fields: dict, rows: dict | None = None, obj=None):
    """Fill in the admin's add (or change) page of `model` as a person would, and save it."""
    name = model._meta.model_name
    url = (
        reverse(f"admin:training_{name}_change", args=[obj.pk])
        if obj
        else reverse(f"admin:training_{name}_add")
    )
    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    for key in [
        k
        for k, v in data.items()
        if v == "" and k in ("tracks", "objectives", "related_lessons", "key_terms")
    ]:
        del data[key]  # a browser sends nothing for an empty multiple select
    data.update(fields)
    for prefix, items in (rows or {}).items():
        start = int(data[f"{prefix}-INITIAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = str(start + len(items))
        for index, row in enumerate(items, start=start):
            for field, value in row.items():
                data[f"{prefix}-{index}-{field}"] = value
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    return obj or model.objects.order_by("-pk").first()


def _question(client, kind: str, slug: str, choices: list[dict], *, quiz=None, lesson=None, categories=()):
    fields = {
        "quiz": str(quiz.pk) if quiz else "",
        "lesson": str(lesson.pk) if lesson else "",
        "slug": slug,
        "kind": kind,
        "scenario": f"A mediator prepares the {kind} step of a ceasefire negotiation.",
        "prompt": f"What should the mediator do ({kind})?",
        "explanation": "Trust comes before terms; the parties own the outcome.",
        "status": "published",
    }
    rows = {
        "choices": [
            {"feedback": f"Why choice {i + 1} is or is not best.", **c} for i, c in enumerate(choices)
        ]
    }
    if categories:
        rows["categories"] = [{"label": label} for label in categories]
    return admin_save(client, m.Question, fields, rows)


def _node(client, sim, key: str, position: int, *, ending: str = "", options=()):
    fields = {
        "simulation": str(sim.pk),
        "key": key,
        "position": str(position),
        "title": f"Node {key}",
        "situation": f"The talks reach the **{key}** stage.",
    }
    if ending:
        fields.update(is_ending="on", outcome=ending, debrief=f"What the {ending} ending teaches.")
    rows = {
        "options": [
            {
                **OPTION_JSON,
                "key": o[0],
                "text": f"Choose {o[0]}",
                "next_node": str(o[1].pk),
                "feedback": f"Feedback on {o[0]}.",
                **(o[2] if len(o) > 2 else {}),
            }
            for o in options
        ]
    }
    return admin_save(client, m.Node, fields, rows)


def test_an_instructor_builds_publishes_and_a_learner_plays_and_takes_the_quiz(client):
    course = m.Course.objects.create(
        slug="built-course", title="Built in the admin", summary="Built.", status=m.Status.DRAFT
    )
    instructor = make_user("builder", instructor=True)
    client.force_login(instructor)

    module = admin_save(
        client,
        m.Module,
        {
            "course": str(course.pk),
            "slug": "built-module",
            "title": "Mediation basics",
            "summary": "The basics.",
        },
    )
    assert module.status == m.Status.DRAFT  # draft first
    lesson = admin_save(
        client,
        m.Lesson,
        {
            "module": str(module.pk),
            "title": "Why trust comes first",
            "slug": "trust-first",
            "minutes": "5",
            "body": "Parties settle when they trust the process.\n\nA mediator earns that trust first.",
        },
    )
    _question(
        client,
        "single",
        "check-trust",
        [{"text": "Build trust", "correct": "on"}, {"text": "Impose terms"}],
        lesson=lesson,
    )
    quiz = admin_save(
        client,
        m.Quiz,
        {"module": str(module.pk), "title": "Mediation quiz", "slug": "built-quiz", "pass_mark": "50"},
    )
    _question(
        client,
        "single",
        "q-single",
        [{"text": "Meet both sides separately", "correct": "on"}, {"text": "Publish a plan"}],
        quiz=quiz,
    )
    _question(
        client,
        "multiple",
        "q-multiple",
        [{"text": "Listen", "correct": "on"}, {"text": "Summarise", "correct": "on"}, {"text": "Threaten"}],
        quiz=quiz,
    )
    _question(
        client,
        "order",
        "q-order",
        [
            {"text": "Agree an agenda", "correct_position": "2"},
            {"text": "Meet", "correct_position": "1"},
            {"text": "Draft terms", "correct_position": "3"},
        ],
        quiz=quiz,
    )
    _question(
        client,
        "sort",
        "q-sort",
        [
            {"text": "A ministers' summit", "category_key": "Track I"},
            {"text": "A workshop of academics", "category_key": "Track II"},
        ],
        quiz=quiz,
        categories=["Track I", "Track II"],
    )

    sim = admin_save(
        client,
        m.Simulation,
        {
            "module": str(module.pk),
            "title": "The ceasefire talks",
            "slug": "built-sim",
            "role": "You are the mediator.",
            "situation": "A ceasefire is fragile.",
        },
        {
            "meters": [
                {
                    "key": "trust",
                    "label": "Trust",
                    "min": "0",
                    "max": "100",
                    "start": "50",
                    "better": "higher",
                },
                {"key": "time", "label": "Time", "min": "0", "max": "10", "start": "5", "better": "higher"},
                {"key": "face", "label": "Face", "min": "0", "max": "100", "start": "50", "better": "higher"},
            ]
        },
    )
    win = _node(client, sim, "win", 7, ending="success")
    half = _node(client, sim, "half", 6, ending="mixed")
    lose = _node(client, sim, "lose", 5, ending="failure")
    d4 = _node(client, sim, "d4", 4, options=[("settle", half), ("walk", lose, {"effects": '{"face": -20}'})])
    d3 = _node(client, sim, "d3", 3, options=[("wait", d4, {"effects": '{"time": -2}'}), ("leave", lose)])
    d2 = _node(
        client,
        sim,
        "d2",
        2,
        options=[
            ("deal", win, {"guard": "trust >= 60", "reason": "They do not trust you enough yet."}),
            ("stall", d3),
        ],
    )
    d1 = _node(client, sim, "d1", 1, options=[("listen", d2, {"effects": '{"trust": 20}'}), ("push", d3)])
    admin_save(client, m.Simulation, {"start_node": str(d1.pk)}, obj=sim)

    # Publishing the course validates everything in it (the loader's rules), then learners see it.
    for model, obj in [(m.Simulation, sim), (m.Quiz, quiz), (m.Lesson, lesson), (m.Module, module)]:
        admin_save(client, model, {"status": "published"}, obj=obj)
    admin_save(client, m.Course, {"status": "published", "final_quiz": ""}, obj=course)
    assert m.Simulation.objects.visible().filter(slug="built-sim").exists()
    assert m.Question.objects.visible().filter(course=course).count() == 5

    # A learner plays the simulation to two endings and takes the quiz.
    learner = make_user("player")
    client.force_login(learner)
    for path, ending in (
        ([("listen", "d1"), ("deal", "d2")], "win"),
        (
            [("push", "d1"), ("wait", "d3"), ("walk", "d4")],
            "lose",
        ),
    ):
        response = client.post(reverse("simulation_start", args=[sim.slug]), {"restart": ""})
        run = m.SimulationRun.objects.filter(user=learner).latest("pk")
        for option, node in path:
            run.refresh_from_db()
            assert run.current_node.key == node
            response = client.post(
                reverse("simulation_choose", args=[sim.slug, run.pk]),
                {"node": run.current_node_id, "option": option},
            )
            assert response.status_code == 302
        run.refresh_from_db()
        assert run.ending.key == ending and run.finished_at is not None
    assert m.SimulationRun.objects.filter(user=learner).reached_an_ending().count() == 2

    client.post(reverse("quiz_start", args=[quiz.slug]))
    attempt = m.QuizAttempt.objects.get(user=learner, quiz=quiz)
    by_id = {q.pk: q for q in m.Question.objects.filter(pk__in=attempt.question_ids)}
    for number, pk in enumerate(attempt.question_ids, start=1):
        client.post(
            reverse("quiz_question", args=[quiz.slug, attempt.pk, number]),
            right_answer_data(by_id[pk], attempt),
        )
    client.post(reverse("quiz_submit", args=[quiz.slug, attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.passed and len(attempt.question_ids) == 4

    # YAML stays the source of truth: export, load into an empty database, export again: byte-identical.
    course.refresh_from_db()
    exported = export_course(course)
    assert "status: draft" not in exported and "slug: q-sort" in exported and "guard: trust >= 60" in exported
    learner.delete()  # with the learner's history, which protects the content
    m.Option.objects.filter(node__simulation__course=course).delete()
    m.Choice.objects.filter(question__course=course).delete()
    course.delete()
    assert not m.Question.objects.exists() and not m.Node.objects.exists()
    load_texts({"built-course.yaml": exported}, dry_run=False, name="the export")
    assert export_course(m.Course.objects.get(slug="built-course")) == exported
