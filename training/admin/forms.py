"""Forms of the admin: database constraints explained in the loader's words, and the YAML upload."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from training.curriculum.schema import default_choice_key

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


# A question's categories and choices on one form: keys and positions filled in, categories picked by key ---


class CategoryForm(forms.ModelForm):
    """A sort question's category; its key may be left empty (made from the label)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        self.fields["key"].help_text = "Optional: made from the label (`track-i` for “Track I”)."


class PositionedFormSet(forms.BaseInlineFormSet):
    """Inline rows whose `position` may be left empty: a new row takes its place on the page."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "position" in form.fields:
            form.fields["position"].required = False

    def clean(self):
        super().clean()
        for place, form in enumerate(_kept(self)):
            if "position" in form.fields and form.cleaned_data.get("position") is None:
                _fill(form, "position", place)


class CategoryFormSet(PositionedFormSet):
    def clean(self):
        super().clean()
        for index, form in enumerate(_kept(self)):
            data = form.cleaned_data
            if not data.get("key"):
                _fill(form, "key", slugify(data.get("label") or "")[:50] or f"category-{index + 1}")


class ChoiceForm(forms.ModelForm):
    """A choice; key and position may be left empty (a, b, c… and the row's place). A sort question's item
    names its category by the key (or label) of one of the categories on the same page, so a new question's
    categories and items are saved in one pass."""

    category_key = forms.CharField(
        label="Category",
        required=False,
        max_length=100,
        help_text="Sort questions: the key or label of this item's right category (from the categories above).",
    )
    # The keys and labels of the question's categories as this request sends them (set by the inline).
    known_categories: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False  # its help text is the format document's (fieldhelp)
        if self.instance.pk and self.instance.category_id:
            self.initial.setdefault("category_key", self.instance.category.key)

    def clean_category_key(self) -> str:
        value = (self.cleaned_data.get("category_key") or "").strip()
        if not value:
            return ""
        if value in self.known_categories:
            return value
        by_label = {label.casefold(): key for key, label in self.known_categories.items()}
        if value.casefold() in by_label:
            return by_label[value.casefold()]
        known = ", ".join(f"`{key}`" for key in self.known_categories) or "none yet: add them above"
        raise ValidationError(f"unknown category `{value}` (categories: {known})", code="category")

    def save(self, commit=True):
        key = self.cleaned_data.get("category_key")
        question = self.instance.question
        self.instance.category = question.categories.filter(key=key).first() if key else None
        return super().save(commit)


class ChoiceFormSet(PositionedFormSet):
    def clean(self):
        super().clean()
        kept = _kept(self)
        taken = {form.cleaned_data.get("key") for form in kept} - {"", None}
        index = 0
        for form in kept:
            if not form.cleaned_data.get("key"):
                while default_choice_key(index) in taken:
                    index += 1
                _fill(form, "key", default_choice_key(index))
                taken.add(default_choice_key(index))


def _kept(formset) -> list:
    """The formset's rows that will be saved (filled in, valid, not deleted), in page order."""
    return [
        form
        for form in formset.forms
        if hasattr(form, "cleaned_data")
        and form.cleaned_data
        and not (formset.can_delete and formset._should_delete_form(form))
    ]


def _fill(form, name: str, value) -> None:
    form.cleaned_data[name] = value
    setattr(form.instance, name, value)


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
