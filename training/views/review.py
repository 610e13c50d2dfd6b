"""The review queue: one due question at a time, its feedback after an answer, and the learner's rating."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from training import navigation, review, scheduling
from training.answer_forms import AnswerForm, answer_form
from training.answering import answer_question
from training.feedback import Feedback, feedback_for
from training.models import ReviewCard, ReviewLog
from training.views.base import PROGRESS_CHANGED, HtmxHttpRequest


def _card_form(card: ReviewCard, data=None) -> AnswerForm:
    spec = review.shown_spec(card)
    return answer_form(
        spec, scope=review.scope(card), id=f"review-{card.pk}", prompt=card.question.prompt, data=data
    )


def _card_context(card: ReviewCard, form: AnswerForm | None = None) -> dict:
    return {
        "card": card,
        "question": card.question,
        "form": form or _card_form(card),
        "action": reverse("review_answer", args=[card.pk]),
    }


def _feedback_context(log: ReviewLog, feedback: Feedback | None = None) -> dict:
    """The feedback on a review-page answer: `feedback` right after answering, else from the log's snapshot."""
    snap = log.log.get("snapshot") or {}
    answer = log.log.get("answer") or {}
    if feedback is None and snap:
        feedback = feedback_for(snap, answer)
    return {
        "log": log,
        "feedback": feedback,
        "snapshot": snap,
        "can_rerate": log.correct and scheduling.is_latest(log),
        "rating_name": scheduling.RATING_NAMES.get(log.rating, ""),
        "next_due": log.card.due,
    }


def _queue_context(request: HttpRequest) -> dict:
    """The queue as it stands, computed once: the learner's versions and held-back questions (from the
    cache), one aggregate for the due count and the next due date, the next card. Called after the request's
    writes, so the navigation's badge (given here, it wins over the context processor's) is the page's own
    count and the next pages find it in the cache."""
    figures = navigation.for_request(request)
    queue = figures.queue(now=timezone.now())
    figures.remember_queue(queue.state)
    card = queue.next_card()
    context: dict[str, Any] = {
        "due_count": queue.state.due,
        "review_due_count": queue.state.due,
        "is_instructor": figures.instructor,
    }
    if card is not None:
        context.update(_card_context(card))
    else:
        context["next_review"] = queue.state.next_due
    return context


@require_safe
@login_required
@vary_on_headers("HX-Request")
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    """One due question at a time; after an answer (?reviewed=<log>) its feedback and the rating buttons."""
    context = _queue_context(request)
    reviewed = request.GET.get("reviewed", "")
    if reviewed:
        try:
            log = scheduling.get_review_log(request.user, int(reviewed))
        except (ValueError, ReviewLog.DoesNotExist):
            raise Http404("No such review.") from None
        context.update(_feedback_context(log))
        context["showing_feedback"] = True
    template = "training/review_queue.html#review-panel" if request.htmx else "training/review_queue.html"
    return render(request, template, context)


def _refused(request: HtmxHttpRequest, error: scheduling.ReviewError) -> HttpResponse:
    """A review request that cannot be carried out: say why, over the queue as it stands (409)."""
    if request.htmx:
        context = {**_queue_context(request), "notice": str(error)}
        return render(request, "training/review_queue.html#review-panel", context, status=409)
    messages.error(request, str(error))
    return redirect("review")


@require_POST
@login_required
def review_answer(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    try:
        card = review.get_card(request.user, card_id)
    except ReviewCard.DoesNotExist:
        raise Http404("No such review card.") from None
    form = _card_form(card, data=request.POST)
    if not form.is_valid():
        context = {"due_count": review.due_count(request.user), **_card_context(card, form)}
        template = "training/review_queue.html#review-panel" if request.htmx else "training/review_queue.html"
        return render(request, template, context, status=400)
    try:
        answered = answer_question(
            user=request.user,
            question=card.question,
            spec=form.spec,
            answer=form.answer,
            recorder=review.InReview(card),
        )
    except scheduling.ReviewError as error:
        return _refused(request, error)
    log = cast(ReviewLog, answered.row)  # InReview records the answer in the review log scheduling writes
    if request.htmx:
        context = {
            **_queue_context(request),
            **_feedback_context(log, answered.feedback),
            "showing_feedback": True,
        }
        response = render(request, "training/review_queue.html#review-panel", context)
        return trigger_client_event(response, PROGRESS_CHANGED)
    return redirect(f"{reverse('review')}?reviewed={log.pk}")


@require_POST
@login_required
def review_rate(request: HtmxHttpRequest, log_id: int) -> HttpResponse:
    try:
        log = scheduling.rerate(user=request.user, log_id=log_id, rating=request.POST.get("rating", ""))
    except ReviewLog.DoesNotExist:
        raise Http404("No such review.") from None
    except scheduling.ReviewError as error:
        return _refused(request, error)
    log = scheduling.get_review_log(request.user, log.pk)
    if request.htmx:
        context = {
            **_queue_context(request),
            **_feedback_context(log),
            "showing_feedback": True,
            "rated": True,
        }
        response = render(request, "training/review_queue.html#review-panel", context)
        return trigger_client_event(response, PROGRESS_CHANGED)
    messages.success(
        request, f"Noted: {scheduling.RATING_NAMES[log.rating].lower()}. The schedule has been updated."
    )
    return redirect(f"{reverse('review')}?reviewed={log.pk}")
