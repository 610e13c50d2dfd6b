"""A gentle streak and a weekly goal, from the activity the app already records (training.activity).

- **Streak**: the number of consecutive days, ending today or yesterday, on which the learner did anything
  (opened or completed a lesson, answered a check, a quiz question or a review, started or played a
  simulation). Days are UTC dates, as activity.active_dates counts them; the dashboard says so. A streak that
  ended yesterday still counts until today ends, so it is never lost before the learner had a chance today.
- **Weekly goal**: how many days a week the learner means to study (1–7, WeeklyGoal; they set it on the
  dashboard). Progress toward it is the number of active days in the current week, Monday to Sunday (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms

from training import versions
from training.models import WeeklyGoal

DEFAULT_SUGGESTION = 3  # days a week the form suggests before the learner has chosen


def streak(active: set[date], today: date) -> int:
    """Consecutive active days ending today, or yesterday when today has no activity yet (pure)."""
    day = today if today in active else today - timedelta(days=1)
    count = 0
    while day in active:
        count += 1
        day -= timedelta(days=1)
    return count


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def days_this_week(active: set[date], today: date) -> int:
    start = week_start(today)
    return sum(1 for day in active if start <= day <= today)


@dataclass(frozen=True)
class Motivation:
    streak: int
    active_today: bool
    week_days: int  # active days this week so far
    goal: int | None  # days a week, None when not set

    @property
    def goal_met(self) -> bool:
        return self.goal is not None and self.week_days >= self.goal

    @property
    def goal_percent(self) -> int:
        if not self.goal:
            return 0
        return min(100, round(100 * self.week_days / self.goal))


def motivation_for(active: set[date], today: date, goal: int | None) -> Motivation:
    return Motivation(
        streak=streak(active, today),
        active_today=today in active,
        week_days=days_this_week(active, today),
        goal=goal,
    )


def goal_of(user) -> int | None:
    return WeeklyGoal.objects.filter(user=user).values_list("days", flat=True).first()


def set_goal(*, user, days: int) -> WeeklyGoal:
    """Store the learner's weekly goal (1–7 days) and mark their state changed (the dashboard shows it)."""
    if not 1 <= days <= 7:
        raise ValueError("a weekly goal is 1 to 7 days")
    goal, _ = WeeklyGoal.objects.update_or_create(user=user, defaults={"days": days})
    versions.bump_learner(user.pk)
    return goal


class WeeklyGoalForm(forms.Form):
    days = forms.TypedChoiceField(
        label="Days of study a week",
        choices=[(n, f"{n} day{'s' if n != 1 else ''}") for n in range(1, 8)],
        coerce=int,
        error_messages={
            "required": "Choose how many days a week you mean to study (1 to 7).",
            "invalid_choice": "A weekly goal is 1 to 7 days.",
        },
    )
