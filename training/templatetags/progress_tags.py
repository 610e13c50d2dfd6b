"""`{% progress_summary as summary %}`: the learner's course progress for training/includes/_progress_bar.html."""

from __future__ import annotations

from django import template

from training import progress

register = template.Library()


@register.simple_tag(takes_context=True)
def progress_summary(context, course=None) -> progress.Summary | None:
    """The signed-in learner's progress on `course` (default: the first published course); None for visitors."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return progress.summary(user, course)
