"""Times as a person reads them: "due in 5 minutes", "3 days ago", with the exact UTC time in a `<time
datetime>` element and its tooltip. Used wherever the site shows when something was done or is due.

- `{{ when|relative_time }}`: to the minute ("in 5 minutes", "2 hours ago"), for pages rendered per request.
- `{{ when|relative_day }}`: to the day ("today at 14:05 UTC", "yesterday", "3 days ago"), for HTML that is
  cached for the rest of the day (the dashboard's parts are keyed by the date: training.views.progress).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def _absolute(when: datetime) -> str:
    return f"{when.day} {when:%B %Y, %H:%M} UTC"


def _element(when: datetime, text: str):
    return format_html('<time datetime="{}" title="{}">{}</time>', when.isoformat(), _absolute(when), text)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def relative_text(when: datetime, now: datetime) -> str:
    """`when` relative to `now`, to the minute (pure)."""
    seconds = (when - now).total_seconds()
    future = seconds > 0
    seconds = abs(seconds)
    if seconds < 60:
        return "in under a minute" if future else "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        amount = _plural(minutes, "minute")
    elif minutes < 24 * 60:
        amount = _plural(round(minutes / 60), "hour")
    elif minutes < 30 * 24 * 60:
        amount = _plural(round(minutes / (24 * 60)), "day")
    else:
        return f"on {when.day} {when:%B %Y}"
    return f"in {amount}" if future else f"{amount} ago"


def relative_day_text(when: datetime, today) -> str:
    """`when` relative to the date `today` (UTC), to the day (pure)."""
    days = (today - when.date()).days
    if days == 0:
        return f"today at {when:%H:%M} UTC"
    if days == 1:
        return f"yesterday at {when:%H:%M} UTC"
    if days == -1:
        return f"tomorrow at {when:%H:%M} UTC"
    if 1 < days < 30:
        return f"{days} days ago"
    if -30 < days < -1:
        return f"in {-days} days"
    return f"on {when.day} {when:%B %Y}"


def _utc(value) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@register.filter
def relative_time(value):
    """`<time datetime="…" title="1 December 2026, 17:05 UTC">in 5 minutes</time>`; "" for no time."""
    when = _utc(value)
    if when is None:
        return ""
    return _element(when, relative_text(when, timezone.now()))


@register.filter
def relative_day(value):
    """As relative_time, to the day (safe in HTML cached until midnight UTC)."""
    when = _utc(value)
    if when is None:
        return ""
    return _element(when, relative_day_text(when, timezone.now().astimezone(UTC).date()))
