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


LEVEL_ICONS = {
    # Circles filled in proportion to the level (16×16 viewBox, centre 8,8, radius 6); the text beside
    # them always names the level, so the icon is decoration (aria-hidden) and colour is never the signal.
    "not-assessed": "",
    "not-started": "",
    "attempted": "M8 2 A6 6 0 0 1 14 8 L8 8 Z",
    "familiar": "M8 2 A6 6 0 0 1 8 14 Z",
    "proficient": "M8 2 A6 6 0 1 1 2 8 L8 8 Z",
    "mastered": "M8 2 A6 6 0 1 1 7.99 2 Z",
}


@register.filter
def level_icon_path(level) -> str:
    return LEVEL_ICONS.get(str(level), "")
