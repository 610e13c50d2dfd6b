"""The forms of role-play pages: every posted value is parsed and checked here (the workflows in sessions.py
apply the rules of the game; a refused action is a RolePlayError shown as the reason)."""

from __future__ import annotations

from django import forms

from roleplay.models import DebriefQuestion, Inject, Issue, Participant, RolePlay, Seat
from roleplay.sessions import MESSAGE_MAX, normalize_code
from training.models import Cohort


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Session code",
        max_length=20,
        help_text="The code your facilitator shared, for example K7M2QX.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError("Enter the session code.", code="required")
        return code


class MessageForm(forms.Form):
    channel = forms.CharField(max_length=220, widget=forms.HiddenInput)
    text = forms.CharField(
        label="Message",
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX}),
    )


class ProposalForm(forms.Form):
    """One choice per issue: `issue-<slug>` → option key."""

    def __init__(self, *args, issues: list[Issue], **kwargs):
        super().__init__(*args, **kwargs)
        self.issues = issues
        for issue in issues:
            self.fields[f"issue-{issue.slug}"] = forms.ChoiceField(
                label=issue.title,
                choices=[("", "Choose…")] + [(o.key, f"{o.key}. {o.text}") for o in issue.shown_options],
            )

    def choices(self) -> dict[str, str]:
        return {issue.slug: self.cleaned_data[f"issue-{issue.slug}"] for issue in self.issues}


class RespondForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["answer"] == "accept"


class StartSessionForm(forms.Form):
    roleplay = forms.ModelChoiceField(queryset=RolePlay.objects.none(), label="Role-play", empty_label=None)
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), label="Cohort", empty_label=None)

    def __init__(self, *args, roleplays, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roleplay"].queryset = roleplays  # type: ignore[attr-defined]
        self.fields["cohort"].queryset = cohorts  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        roleplay, cohort = data.get("roleplay"), data.get("cohort")
        if roleplay and cohort and roleplay.course_id != cohort.course_id:
            raise forms.ValidationError(
                "That role-play belongs to another course than the cohort's.", code="course"
            )
        return data


class ClockForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("start", "Start"), ("pause", "Pause"), ("resume", "Resume"), ("advance", "Next phase")]
    )


class InjectForm(forms.Form):
    inject = forms.ModelChoiceField(queryset=Inject.objects.none(), label="News item", empty_label=None)
    roles = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="To",
        help_text="Leave all unticked to use the news item's own recipients.",
    )

    def __init__(self, *args, roleplay: RolePlay, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inject"].queryset = roleplay.injects.active().in_order()  # type: ignore[attr-defined]
        self.fields["roles"].choices = [(r.slug, r.title) for r in roleplay.active_roles()]  # type: ignore[attr-defined]

    def recipients(self) -> list[str]:
        return list(self.cleaned_data["roles"]) or list(self.cleaned_data["inject"].to)


class ReassignForm(forms.Form):
    seat = forms.ModelChoiceField(queryset=Seat.objects.none(), label="Role")
    participant = forms.ModelChoiceField(queryset=Participant.objects.none(), label="Learner")

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].queryset = Seat.objects.filter(group__session=session).select_related(  # type: ignore[attr-defined]
            "group", "role"
        )
        self.fields["participant"].queryset = session.participants.filter(  # type: ignore[attr-defined]
            left_at__isnull=True
        ).select_related("user")


class FacilitatorMessageForm(forms.Form):
    group = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label="Message to the group",
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MESSAGE_MAX}),
    )


class DebriefForm(forms.Form):
    def __init__(self, *args, questions: list[DebriefQuestion], answers: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q-{question.slug}"] = forms.CharField(
                label=question.prompt,
                required=False,
                max_length=5000,
                initial=answers.get(question.pk, ""),
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def answers(self) -> dict[DebriefQuestion, str]:
        return {q: self.cleaned_data[f"q-{q.slug}"] for q in self.questions}
