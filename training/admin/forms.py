"""Forms of the admin: database constraints explained in the loader's words, and the YAML upload."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# Forms: database constraints explained in the loader's words (checked before the constraint is) ------------


class MeterForm(forms.ModelForm):
    def clean(self):
        super().clean()
        data = self.cleaned_data
        low, high, start = data.get("min"), data.get("max"), data.get("start")
        if low is not None and high is not None and start is not None:
            if not low < high:
                self.add_error("max", f"`min` ({low}) must be below `max` ({high})")
            elif not low <= start <= high:
                self.add_error("start", f"`start` ({start}) must be between min ({low}) and max ({high})")
        return data


class QuizForm(forms.ModelForm):
    def clean_pass_mark(self):
        value = self.cleaned_data["pass_mark"]
        if value is not None and value > 100:
            raise ValidationError("The pass mark is a percentage: 0 to 100.", code="pass_mark")
        return value


class QuestionAdminForm(forms.ModelForm):
    def clean(self):
        super().clean()
        data = self.cleaned_data
        if "quiz" in self.fields and bool(data.get("quiz")) == bool(data.get("lesson")):
            raise ValidationError(
                "Choose either a quiz, or a lesson for a knowledge check (exactly one of them).",
                code="parent",
            )
        return data


class CitationForm(forms.ModelForm):
    def clean(self):
        super().clean()
        data = self.cleaned_data
        by_source = data.get("section") is not None or data.get("paragraph") is not None
        if by_source == (data.get("reference") is not None) or (
            by_source and (data.get("section") is None or data.get("paragraph") is None)
        ):
            raise ValidationError(
                "A citation points either to a source section with a paragraph number, or to a reference "
                "(with an optional locator).",
                code="citation_form",
            )
        return data


# The YAML upload --------------------------------------------------------------------------------------------


def upload_limit() -> str:
    """The upload cap (settings.CURRICULUM_UPLOAD_MAX_BYTES) as people read it: "1 MB", "300 KB", "2000 bytes"."""
    limit = settings.CURRICULUM_UPLOAD_MAX_BYTES
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if limit >= size and limit % size == 0:
            return f"{limit // size} {unit}"
    return f"{limit} bytes"


def safe_name(name: str) -> str:
    """A plain file name ending in .yaml (how the loader names a course's files), kept recognisable for
    messages."""
    stem = _SAFE_NAME.sub("-", Path(name).name).strip(".-") or "course"
    if stem.lower().endswith(".yml"):
        stem = stem[:-4]
    if not stem.lower().endswith(".yaml"):
        stem += ".yaml"
    return stem


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".yaml,.yml"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Added here rather than declared on the class: a class attribute `files` would shadow, for readers
        # and type checkers, the form's own `files` (the uploaded files it was bound with).
        self.fields["files"] = MultipleFileField(
            label="Curriculum file(s)",
            help_text="One course: a single .yaml file, or all the .yaml files of a course folder.",
        )

    def clean_files(self) -> dict[str, str]:
        uploads = self.cleaned_data["files"]
        # Checked on the sizes Django measured while it spooled the files to disk, before any is read.
        if sum(upload.size for upload in uploads) > settings.CURRICULUM_UPLOAD_MAX_BYTES:
            raise ValidationError(f"The upload is too large ({upload_limit()} at most).", code="too_large")
        files: dict[str, str] = {}
        for upload in uploads:
            name = safe_name(upload.name)
            if not upload.name.lower().endswith((".yaml", ".yml")):
                raise ValidationError(f"{upload.name}: choose .yaml files.", code="not_yaml")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(
                    f"{upload.name}: the file is not UTF-8 text.", code="not_utf8"
                ) from None
            if name in files:
                raise ValidationError(f"{upload.name}: two files have the same name.", code="duplicate")
            files[name] = text
        return files
