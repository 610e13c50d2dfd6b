"""The capstone: a piece of work a learner writes, saves as a draft, submits once, and an instructor of one
of their cohorts grades against the capstone's rubric (a level per criterion, feedback); the learner then
sees the points per criterion, the total, pass or not, and the feedback. The course's completion rule may
ask for it (`capstone: submitted | passed`, training.completion) — `standing()` is what the certificate rule
reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.db import transaction
from django.utils import timezone

from training import versions
from training.models import Capstone, CapstoneSubmission, Course
from training.plain_text import refuse_control_characters

__all__ = [
    "CapstoneError",
    "CapstoneForm",
    "CapstoneRequirement",
    "GradeForm",
    "grade",
    "save",
    "standing",
    "word_count",
]

TEXT_MAX = 60_000  # characters: far above any word limit a capstone sets


class CapstoneError(ValueError):
    """The submission cannot change any more (already submitted or graded)."""


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text or ""))


class CapstoneForm(forms.Form):
    text = forms.CharField(
        label="Your work",
        max_length=TEXT_MAX,
        required=False,
        strip=True,
        validators=[refuse_control_characters],
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    action = forms.ChoiceField(choices=[("save", "Save draft"), ("submit", "Submit for grading")])

    def __init__(self, *args, capstone: Capstone, **kwargs):
        super().__init__(*args, **kwargs)
        self.capstone = capstone
        self.fields["text"].help_text = (
            f"Between {capstone.min_words} and {capstone.max_words} words. Save a draft as often as you like;"
            " once submitted it can no longer be changed."
        )

    def clean(self):
        data = super().clean() or {}
        if data.get("action") == "submit":
            words = word_count(data.get("text", ""))
            if words < max(self.capstone.min_words, 1):
                self.add_error(
                    "text", f"Write at least {max(self.capstone.min_words, 1)} words to submit (now {words})."
                )
            elif words > self.capstone.max_words:
                self.add_error("text", f"Keep it to {self.capstone.max_words} words (now {words}).")
        return data


def save(user, capstone: Capstone, text: str, *, submit: bool) -> CapstoneSubmission:
    """Save the learner's draft, or submit it; refused once it is submitted."""
    now = timezone.now()
    with transaction.atomic():
        submission, _ = CapstoneSubmission.objects.select_for_update().get_or_create(
            user=user, capstone=capstone, defaults={"saved_at": now}
        )
        if submission.state != CapstoneSubmission.State.DRAFT:
            raise CapstoneError("Your work is already submitted; it can no longer be changed.")
        submission.text = text
        submission.saved_at = now
        if submit:
            submission.state = CapstoneSubmission.State.SUBMITTED
            submission.submitted_at = now
        submission.save()
        versions.bump_learner(user.pk)
    return submission


class GradeForm(forms.Form):
    """A level for each criterion of the rubric, and feedback to the learner."""

    feedback = forms.CharField(
        label="Feedback to the learner",
        max_length=10_000,
        strip=True,
        validators=[refuse_control_characters],
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, capstone: Capstone, **kwargs):
        super().__init__(*args, **kwargs)
        self.capstone = capstone
        fields = {}
        for criterion in capstone.rubric:
            choices = [
                (str(level["points"]), f"{level['label']} ({level['points']} points)")
                for level in criterion.get("levels", [])
            ]
            fields[f"criterion-{criterion['key']}"] = forms.TypedChoiceField(
                label=criterion["title"],
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                help_text=criterion.get("description", ""),
            )
        self.fields = {**fields, **self.fields}

    def scores(self) -> dict[str, int]:
        return {c["key"]: self.cleaned_data[f"criterion-{c['key']}"] for c in self.capstone.rubric}


def grade(submission: CapstoneSubmission, *, grader, scores: dict[str, int], feedback: str) -> None:
    """Record the grade (regrading replaces it); only a submitted or graded piece can be graded."""
    with transaction.atomic():
        locked = CapstoneSubmission.objects.select_for_update().get(pk=submission.pk)
        if locked.state == CapstoneSubmission.State.DRAFT:
            raise CapstoneError("This work has not been submitted yet.")
        total = sum(scores.values())
        locked.scores = scores
        locked.total = total
        locked.passed = total >= submission.capstone.pass_mark
        locked.feedback = feedback
        locked.graded_by = grader
        locked.graded_at = timezone.now()
        locked.state = CapstoneSubmission.State.GRADED
        locked.save()
        versions.bump_learner(locked.user_id)
    submission.refresh_from_db()


@dataclass
class CapstoneRequirement:
    """A capstone the completion rule asks for, and where the learner stands with it."""

    capstone: Capstone
    submission: CapstoneSubmission | None
    rule: str  # submitted | passed

    @property
    def met(self) -> bool:
        s = self.submission
        if s is None or s.state == CapstoneSubmission.State.DRAFT:
            return False
        return self.rule == "submitted" or bool(s.state == CapstoneSubmission.State.GRADED and s.passed)

    @property
    def status(self) -> str:
        s = self.submission
        if s is None:
            return "not started"
        if s.state == CapstoneSubmission.State.GRADED:
            return f"graded: {s.total} points, {'passed' if s.passed else 'not passed'}"
        return str(s.get_state_display()).lower()


def standing(user, course: Course) -> list[tuple[Capstone, CapstoneSubmission | None]]:
    """The course's visible capstones with the learner's submission of each (two queries)."""
    capstones = list(Capstone.objects.visible().filter(course=course).in_order())
    if not capstones:
        return []
    mine = {
        s.capstone_id: s for s in CapstoneSubmission.objects.for_user(user).filter(capstone__in=capstones)
    }
    return [(capstone, mine.get(capstone.pk)) for capstone in capstones]
