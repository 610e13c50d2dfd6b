"""A small course with a case page, a module reflection prompt and a capstone (the example course plus
them), loaded through the loader: shared by the case library, reflection and capstone tests."""

from __future__ import annotations

from pathlib import Path

from training.curriculum.loader import load_texts

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "example-course.yaml"

EXTRA = """
cases:
  - slug: example-oslo
    title: The Oslo back channel
    period: "1992-1993"
    region: Middle East
    summary: A research institute hosted quiet talks that officials later took over.
    actors:
      - name: A Norwegian research institute
        track: example-unofficial
        role: host and facilitator
      - name: The Israeli foreign ministry
        track: example-official
        role: upgraded the talks in May 1993
    moved: Drafts written with academics became the officials' negotiating text.
    outcome: The Declaration of Principles, signed in September 1993.
    documents:
      - title: Declaration of Principles on Interim Self-Government Arrangements
        url: https://peacemaker.un.org/
        year: 1993
    references: [example-handbook]
    lessons: [example-what-is-a-back-channel]
    tracks: [example-unofficial, example-official]
capstones:
  - slug: example-memo
    title: A multi-track strategy memo
    brief: Write a memo to a foreign minister proposing how two tracks could work together.
    min_words: 5
    max_words: 400
    pass_mark: 5
    rubric:
      - key: analysis
        title: Analysis of the conflict
        description: Who the parties are and what each needs.
        levels:
          - {points: 0, label: Missing}
          - {points: 2, label: Partial}
          - {points: 4, label: Thorough}
      - key: design
        title: Design of the tracks
        levels:
          - {points: 0, label: Missing}
          - {points: 3, label: Sound}
"""


def course_texts(completion: str = "", reflection: bool = True) -> dict[str, str]:
    base = EXAMPLE.read_text(encoding="utf-8")
    if reflection:
        base = base.replace(
            "    summary: What a back channel is and when to use one.\n",
            "    summary: What a back channel is and when to use one.\n"
            "    reflection: Which back channel you know of worked, and why?\n",
            1,
        )
    if completion:
        base = base.replace("  final_quiz: example-check\n", f"  final_quiz: example-check\n{completion}", 1)
    return {"00-course.yaml": base, "10-casework.yaml": EXTRA}


def load(completion: str = "", reflection: bool = True):
    return load_texts(course_texts(completion, reflection), name="example")
