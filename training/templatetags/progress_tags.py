"""`{% progress_summary as summary %}`: the learner's course progress for training/includes/_progress_bar.html."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from training import navigation, progress
from training.mastery import LEVEL_LABELS, Level

register = template.Library()


@register.simple_tag(takes_context=True)
def progress_summary(context, course=None) -> progress.Summary | None:
    """The signed-in learner's progress on `course` (default: the first published course); None for visitors."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    # The learner's figures of this request (the navigation reads them too): the path's statuses and the due
    # count from the cache under the learner's and the content's versions.
    return progress.summary(user, course, figures=navigation.for_request(request))


_LEVEL_HTML = {
    level.value: format_html('<span class="level level-{}">{}</span>', level.value, LEVEL_LABELS[level])
    for level in Level
}


@register.simple_tag
def mastery_level(level) -> str:
    """A mastery level as icon (drawn in progress.css) and text, never colour alone: the same markup as
    training/includes/_mastery_level.html, built once per level instead of an include per table row."""
    return _LEVEL_HTML.get(str(level), _LEVEL_HTML[Level.NOT_ASSESSED.value])
