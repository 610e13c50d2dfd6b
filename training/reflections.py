"""Module reflections: at the end of each module the learner answers its reflection prompt (authored as the
module's `reflection:` in the curriculum); one answer per learner and module, rewritten on each save, read
by the learner's instructors, in "my data" and deleted with the account."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from training import versions
from training.models import Module, ModuleReflection
from training.plain_text import refuse_control_characters

__all__ = ["REFLECTION_MAX", "ModuleReflectionForm", "save_module_reflection"]

REFLECTION_MAX = 5000


class ModuleReflectionForm(forms.Form):
    text = forms.CharField(
        label="Your reflection",
        max_length=REFLECTION_MAX,
        strip=True,
        validators=[refuse_control_characters],
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Your instructors can read this. You can come back and change it.",
    )


def save_module_reflection(*, user, module: Module, text: str) -> ModuleReflection:
    reflection, _ = ModuleReflection.objects.update_or_create(
        user=user, module=module, defaults={"text": text, "saved_at": timezone.now()}
    )
    versions.bump_learner(user.pk)
    return reflection
