"""Load benchmark: synthetic courses of 100, 1,000 and 5,000 questions, each loaded into a fresh test DB.

    .venv/bin/python bench/load_curriculum.py            # 100, 1000, 5000
    .venv/bin/python bench/load_curriculum.py 100 2000   # chosen sizes

Prints, per size: seconds to validate and write (first load), seconds for an unchanged reload, and SQL
queries per table. Time per question against the smallest size shows how loading grows; queries per table
stay flat (bulk operations), whatever the size.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("single", "multiple", "order", "sort")


def synthetic_course(questions: int, slug: str = "bench") -> dict:
    """A valid course of `questions` quiz questions (all four kinds), lessons, citations and a simulation."""
    per_quiz = 10
    quizzes = max(1, questions // per_quiz)
    per_module = 10
    module_count = max(1, (quizzes + per_module - 1) // per_module)
    sections = [{"heading": f"Section {i}", "paragraphs": 5} for i in range(1, 11)]
    tracks = [
        {
            "slug": f"{slug}-track-{i}",
            "name": f"Track {i}",
            "summary": "One line.",
            "definition": "A *definition*.",
            "participants": "Who.",
            "outputs": "What.",
            "strengths": ["Strong."],
            "limits": ["Limited."],
            "comparison": {"formality": "High", "authority": "Some"},
        }
        for i in range(1, 4)
    ]
    modules = []
    number = 0
    for mi in range(module_count):
        module = {
            "slug": f"{slug}-m{mi}",
            "title": f"Module {mi}",
            "summary": "A module.",
            "objectives": [{"slug": f"{slug}-m{mi}-o{k}", "text": "Do a thing."} for k in range(3)],
            "lessons": [],
            "quizzes": [],
        }
        for li in range(3):
            module["lessons"].append(
                {
                    "slug": f"{slug}-m{mi}-l{li}",
                    "title": f"Lesson {li}",
                    "minutes": 5,
                    "tracks": [tracks[li % 3]["slug"]],
                    "objectives": [f"{slug}-m{mi}-o{li}"],
                    "key_terms": [f"{slug}-term"],
                    "body": "Text with a [[" + slug + "-term]] link.\n\nSecond paragraph.\n",
                    "citations": [
                        {"source": f"{slug}-source", "section": f"Section {li + 1}", "paragraph": 1}
                    ],
                }
            )
        for qi in range(per_module):
            if number >= questions:
                break
            quiz = {"slug": f"{slug}-m{mi}-q{qi}", "title": f"Quiz {qi}", "questions": []}
            for _ in range(per_quiz):
                if number >= questions:
                    break
                quiz["questions"].append(_question(slug, number, mi, tracks))
                number += 1
            module["quizzes"].append(quiz)
        modules.append(module)
    return {
        "format": 1,
        "course": {"slug": slug, "title": "Benchmark course", "summary": "Synthetic."},
        "sources": [{"slug": f"{slug}-source", "title": "Source", "sections": sections}],
        "references": [{"slug": f"{slug}-ref", "title": "Reference", "year": 2020}],
        "tracks": tracks,
        "glossary": [{"slug": f"{slug}-term", "term": "Term", "definition": "Meaning."}],
        "modules": modules,
        "simulations": [_simulation(slug, f"{slug}-m0")],
    }


def _question(slug: str, number: int, module: int, tracks: list[dict]) -> dict:
    kind = KINDS[number % 4]
    question = {
        "slug": f"{slug}-question-{number}",
        "kind": kind,
        "scenario": f"Scenario {number}: talks have *stalled*.",
        "prompt": "What is your best next move?",
        "explanation": "Because.",
        "tracks": [tracks[number % 3]["slug"]],
        "objectives": [f"{slug}-m{module}-o{number % 3}"],
        "citations": [
            {
                "source": f"{slug}-source",
                "section": f"Section {number % 10 + 1}",
                "paragraph": number % 5 + 1,
            },
            {"reference": f"{slug}-ref", "locator": f"p. {number}"},
        ],
    }
    if kind == "single":
        question["choices"] = [
            {"text": f"Choice {i}", "correct": i == 0, "feedback": "Why."} for i in range(4)
        ]
    elif kind == "multiple":
        question["choices"] = [
            {"text": f"Choice {i}", "correct": i < 2, "feedback": "Why."} for i in range(4)
        ]
    elif kind == "order":
        question["choices"] = [{"text": f"Step {i}", "position": 4 - i, "feedback": "Why."} for i in range(4)]
    else:
        question["categories"] = [{"key": "one", "label": "One"}, {"key": "two", "label": "Two"}]
        question["choices"] = [
            {"text": f"Item {i}", "category": "one" if i % 2 else "two", "feedback": "Why."} for i in range(4)
        ]
    return question


def _simulation(slug: str, module: str) -> dict:
    return {
        "slug": f"{slug}-sim",
        "title": "Simulation",
        "module": module,
        "role": "You mediate.",
        "situation": "Talks stall.",
        "meters": [{"key": "trust", "label": "Trust", "start": 40}],
        "start": "n0",
        "nodes": [
            {
                "key": "n0",
                "title": "Start",
                "situation": "Begin.",
                "options": [
                    {"key": "a", "text": "Wait.", "effects": {"trust": 5}, "next": "n0", "feedback": "Slow."},
                    {"key": "b", "text": "Act.", "guard": "trust >= 50", "next": "end", "feedback": "Good."},
                ],
            },
            {
                "key": "end",
                "title": "End",
                "ending": True,
                "outcome": "success",
                "situation": "Done.",
                "debrief": "Well done.",
            },
        ],
    }


def write_course(data: dict, folder: Path) -> Path:
    import yaml

    path = folder / f"{data['course']['slug']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _tables(queries) -> Counter:
    counts: Counter = Counter()
    for query in queries:
        sql = query["sql"]
        match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
        verb = sql.split(None, 1)[0].upper()
        counts[f"{match.group(1) if match else '?'} {verb}"] += 1
    return counts


def main(sizes: list[int]) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diplomacy.settings")
    os.environ.setdefault("DJANGO_TESTING", "true")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from training.curriculum.loader import load_curriculum

    setup_test_environment()
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = write_course(synthetic_course(size), Path(tmp))
            old_name = connection.settings_dict["NAME"]
            test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
            try:
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as first:
                    load_curriculum([path])
                seconds = time.perf_counter() - started
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as again:
                    reports = load_curriculum([path])
                reload_seconds = time.perf_counter() - started
                assert reports[0].total("created") == 0 and reports[0].total("updated") == 0
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)
            del test_name
            tables = _tables(first.captured_queries)
            results.append((size, seconds, reload_seconds, len(first), len(again), tables))
            print(
                f"{size:>6} questions: first load {seconds:6.2f} s ({len(first)} queries), "
                f"unchanged reload {reload_seconds:6.2f} s ({len(again)} queries)"
            )
            print("        queries per table: " + ", ".join(f"{k} {v}" for k, v in sorted(tables.items())))
    base_size, base_seconds = results[0][0], results[0][1]
    print("\ngrowth against the smallest size (1.0 = linear):")
    for size, seconds, *_ in results:
        ratio = (seconds / base_seconds) / (size / base_size)
        print(
            f"{size:>6} questions: {seconds / base_seconds:6.1f}x the time for {size / base_size:5.0f}x the "
            f"questions  (time per question {ratio:.2f}x the smallest)"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [100, 1000, 5000])
