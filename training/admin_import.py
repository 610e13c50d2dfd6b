"""Curriculum YAML uploaded in the admin: validate and plan (dry run), then load — through `load_curriculum`.

The uploaded files are written to a private temporary folder and handed to the loader exactly as
`manage.py load_curriculum FOLDER` would get them, so the admin can neither accept what the command rejects
nor load differently. Problems name the uploaded file, not the temporary path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from training.curriculum.loader import Report, load_curriculum
from training.curriculum.problems import CurriculumError, Problem

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Outcome:
    """What a (dry or real) load found: problems, or one report per course."""

    problems: list[Problem]
    reports: list[Report]

    @property
    def ok(self) -> bool:
        return not self.problems


def safe_name(name: str) -> str:
    """A plain file name ending in .yaml (the loader reads *.yaml), kept recognisable for messages."""
    stem = _SAFE_NAME.sub("-", Path(name).name).strip(".-") or "course"
    if stem.lower().endswith(".yml"):
        stem = stem[:-4]
    if not stem.lower().endswith(".yaml"):
        stem += ".yaml"
    return stem


def fingerprint(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def run(files: dict[str, str], *, dry_run: bool) -> Outcome:
    """Load the uploaded files (name → text, one course) with the loader; roll back when `dry_run`."""
    with tempfile.TemporaryDirectory(prefix="curriculum-upload-") as folder:
        root = Path(folder)
        shown = {}
        for name, text in files.items():
            path = root / name
            path.write_text(text, encoding="utf-8")
            shown[str(path)] = name
            shown[str(path.resolve())] = name
        target = root if len(files) > 1 else root / next(iter(files))
        try:
            reports = load_curriculum([target], dry_run=dry_run)
        except CurriculumError as exc:
            prefixes = sorted(
                {str(root) + "/", str(root.resolve()) + "/", str(root), str(root.resolve())}, key=len
            )
            problems = []
            for problem in exc.problems:
                message = problem.message
                for prefix in reversed(prefixes):
                    message = message.replace(prefix, "" if prefix.endswith("/") else "the upload")
                file = shown.get(problem.file, Path(problem.file).name)
                problems.append(dataclasses.replace(problem, file=file, message=message))
            return Outcome(problems=problems, reports=[])
    return Outcome(problems=[], reports=reports)
