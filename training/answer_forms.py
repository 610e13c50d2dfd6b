"""The answer form of a question: one Django form class per question kind, built from the question as shown.

`answer_form(spec, scope=..., id=..., prompt=..., data=request.POST)` parses and validates a posted answer;
after `is_valid()`, `form.answer` is the answer in the stored shape (see training.grading). Unbound, or bound
to a stored answer (`answer=`), the same object is what `includes/_question_fields.html` renders: the prompt as
legend, one input per choice, the first error above them.

Forms never show keys or ids: each choice is named by an opaque token (`choice_token`) that depends on a
scope (the attempt, the lesson check, the review card) and the server's secret, so neither the authored order
nor the database order of the choices can be read from the page, and a token from another scope is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.crypto import salted_hmac

from training.grading import MULTIPLE, ORDER, SINGLE, SORT, CategorySpec, QuestionSpec
from training.plain_text import small_int

# Certainty-based marking (training.grading.certainty_mark): the level and how it reads on the form.
CERTAINTY_CHOICES = (
    (1, "Low: a guess, or I am not sure (right +1, wrong 0)"),
    (2, "Mid: fairly sure (right +2, wrong −2)"),
    (3, "High: very sure (right +3, wrong −6)"),
)


def choice_token(scope: str, choice_pk: int | None) -> str:
    """The opaque value that names one choice in a form, stable within a scope ("attempt:12", "check:7")."""
    # The salt keeps the module's old name: changing it would change every token of open attempts.
    return salted_hmac("training.scoring.choice", f"{scope}:{choice_pk}").hexdigest()[:12]


def field_names(spec: QuestionSpec, scope: str) -> dict[str, str]:
    """Choice key → its token in this scope (the form field value or name suffix)."""
    return {c.key: choice_token(scope, c.pk) for c in spec.choices}


@dataclass(frozen=True)
class FieldChoice:
    """One choice as the template shows it: its token, its text and what the learner has set on it."""

    token: str
    text: str
    checked: bool = False
    position: int | None = None
    category: str = ""


class AnswerForm(forms.Form):
    """The inputs of one question. Subclasses add the fields of their kind and turn them into `answer`."""

    kind = ""
    hint = ""

    def __init__(
        self,
        spec: QuestionSpec,
        *,
        scope: str,
        id: str,
        prompt: str,
        data: Mapping[str, Any] | None = None,
        answer: Mapping[str, Any] | None = None,
        disabled: bool = False,
        certainty: bool = False,
        shown_certainty: int | None = None,
    ):
        super().__init__(data=data)
        self.spec = spec
        self.id = id
        self.prompt = prompt
        self.disabled = disabled
        self.tokens = field_names(spec, scope)  # choice key → token
        self.keys = {token: key for key, token in self.tokens.items()}
        self.shown_answer = dict(answer or {})
        self.shown_certainty = shown_certainty
        self.add_fields()
        if certainty:
            # Certainty-based marking: how sure the learner is, asked with every answer (after its inputs, so
            # its error shows after theirs).
            self.fields["certainty"] = forms.TypedChoiceField(
                choices=[(str(level), label) for level, label in CERTAINTY_CHOICES],
                coerce=int,
                error_messages={
                    "required": "Choose how sure you are of your answer.",
                    "invalid_choice": "Choose low, mid or high certainty.",
                },
            )

    def add_fields(self) -> None:
        raise NotImplementedError

    # What the template reads.

    @property
    def error(self) -> str:
        """The first problem with a posted answer, in the order the inputs are shown ("" when none)."""
        if not self.is_bound:
            return ""
        for name in [*self.fields, NON_FIELD_ERRORS]:
            messages = self.errors.get(name)
            if messages:
                return str(messages[0])
        return ""

    @property
    def choices(self) -> tuple[FieldChoice, ...]:
        return tuple(
            FieldChoice(token=self.tokens[c.key], text=c.text, **self.state_of(c.key))
            for c in self.spec.choices
        )

    @property
    def categories(self) -> tuple[CategorySpec, ...]:
        return self.spec.categories

    @property
    def positions(self) -> range:
        return range(1, len(self.spec.choices) + 1)

    @property
    def input_type(self) -> str:
        return "radio" if self.kind == SINGLE else "checkbox"

    def state_of(self, key: str) -> dict[str, Any]:
        """What the learner has set on one choice: from the posted data (after an error, so nothing they did is
        lost) or from the stored answer."""
        raise NotImplementedError

    def posted(self, name: str) -> list[str]:
        if not self.is_bound:
            return []
        if hasattr(self.data, "getlist"):
            return [value for value in self.data.getlist(name) if value != ""]
        value = self.data.get(name)
        if value in (None, ""):
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    @property
    def answer(self) -> dict[str, Any]:
        """The answer in the stored shape; only after is_valid()."""
        return self.cleaned_data["answer"]

    @property
    def asks_certainty(self) -> bool:
        return "certainty" in self.fields

    @property
    def certainty(self) -> int | None:
        """The certainty chosen (1–3) when the quiz asks for it; only after is_valid()."""
        return self.cleaned_data.get("certainty") if self.asks_certainty else None

    @property
    def certainty_choices(self) -> tuple[FieldChoice, ...]:
        """The certainty radio buttons, with the posted (after an error) or stored choice checked."""
        if self.is_bound:
            chosen = next(iter(self.posted("certainty")), "")
        else:
            chosen = str(self.shown_certainty or "")
        return tuple(
            FieldChoice(token=str(level), text=label, checked=str(level) == chosen)
            for level, label in CERTAINTY_CHOICES
        )


class ChoiceAnswerForm(AnswerForm):
    """Single and multiple questions: one field, "choice", whose values are the choices' tokens."""

    field_class: type[forms.ChoiceField] = forms.ChoiceField
    required = ""
    invalid = ""

    def add_fields(self) -> None:
        self.fields["choice"] = self.field_class(
            choices=[(self.tokens[c.key], c.text) for c in self.spec.choices],
            error_messages={"required": self.required, "invalid_choice": self.invalid},
        )


class SingleAnswerForm(ChoiceAnswerForm):
    kind = SINGLE
    hint = "Choose one answer."
    required = "Choose one answer."
    invalid = "That answer is not one of this question's options. Reload the page and try again."

    def clean_choice(self) -> str:
        if len(self.posted("choice")) > 1:
            raise forms.ValidationError("Choose only one answer.", code="several")
        return self.cleaned_data["choice"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "choice" in data:
            data["answer"] = {"choice": self.keys[data["choice"]]}
        return data

    def state_of(self, key: str) -> dict[str, Any]:
        if self.is_bound:
            return {"checked": self.tokens[key] in set(self.posted("choice"))}
        return {"checked": key == self.shown_answer.get("choice")}


class MultipleAnswerForm(ChoiceAnswerForm):
    kind = MULTIPLE
    hint = "Select all that apply."
    field_class = forms.MultipleChoiceField
    required = "Select at least one option."
    invalid = "One of the selected options is not part of this question. Reload the page and try again."

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "choice" in data:
            chosen = {self.keys[token] for token in data["choice"]}
            data["answer"] = {"choices": [c.key for c in self.spec.choices if c.key in chosen]}
        return data

    def state_of(self, key: str) -> dict[str, Any]:
        if self.is_bound:
            return {"checked": self.tokens[key] in set(self.posted("choice"))}
        return {"checked": key in set(self.shown_answer.get("choices") or [])}


class OrderAnswerForm(AnswerForm):
    kind = ORDER
    hint = "Give each step its place in the sequence: 1 is first. Use each number once."

    def add_fields(self) -> None:
        n = len(self.spec.choices)
        out_of_range = f"Positions go from 1 to {n}."
        for choice in self.spec.choices:
            self.fields[f"position-{self.tokens[choice.key]}"] = forms.IntegerField(
                min_value=1,
                max_value=n,
                error_messages={
                    "required": "Give every step a position.",
                    "invalid": "Positions must be whole numbers.",
                    "min_value": out_of_range,
                    "max_value": out_of_range,
                },
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        places: dict[str, int] = {}
        for choice in self.spec.choices:
            place = data.get(f"position-{self.tokens[choice.key]}")
            if place is None:
                return data  # a field error says what is missing
            places[choice.key] = place
        n = len(places)
        if len(set(places.values())) != n:
            raise forms.ValidationError(
                f"Give each step a different position: every number from 1 to {n} once.", code="repeated"
            )
        data["answer"] = {"order": sorted(places, key=places.__getitem__)}
        return data

    def state_of(self, key: str) -> dict[str, Any]:
        if self.is_bound:
            value = self.posted(f"position-{self.tokens[key]}")
            return {"position": small_int(value[0]) if value else None}
        order = list(self.shown_answer.get("order") or [])
        return {"position": order.index(key) + 1 if key in order else None}


class SortAnswerForm(AnswerForm):
    kind = SORT
    hint = "Choose a category for each item."

    def add_fields(self) -> None:
        categories = [(c.key, c.label) for c in self.spec.categories]
        for choice in self.spec.choices:
            self.fields[f"category-{self.tokens[choice.key]}"] = forms.ChoiceField(
                choices=categories,
                error_messages={
                    "required": "Put every item in a category.",
                    "invalid_choice": "That category is not one of this question's categories.",
                },
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        assigned = {c.key: data.get(f"category-{self.tokens[c.key]}") for c in self.spec.choices}
        if None not in assigned.values():
            data["answer"] = {"categories": assigned}
        return data

    def state_of(self, key: str) -> dict[str, Any]:
        if self.is_bound:
            value = self.posted(f"category-{self.tokens[key]}")
            return {"category": value[0] if value else ""}
        return {"category": (self.shown_answer.get("categories") or {}).get(key, "")}


FORMS: dict[str, type[AnswerForm]] = {
    SINGLE: SingleAnswerForm,
    MULTIPLE: MultipleAnswerForm,
    ORDER: OrderAnswerForm,
    SORT: SortAnswerForm,
}


def answer_form(spec: QuestionSpec, **arguments: Any) -> AnswerForm:
    """The form of the question's kind (AnswerForm's arguments): empty, bound to posted `data`, or showing a
    stored `answer`."""
    return FORMS[spec.kind](spec, **arguments)
