"""Progress pages: the dashboard, the review queue, certificates (claim, print, verify) and My data."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

from training import certificates, mydata, progress, review, scheduling, versions
from training.answer_forms import AnswerForm, answer_form
from training.answering import answer_question
from training.content_cache import make_key
from training.feedback import Feedback, feedback_for
from training.models import Course, ReviewCard, ReviewLog


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


PROGRESS_CHANGED = "progress-changed"
logger = logging.getLogger(__name__)


# --- Dashboard -----------------------------------------------------------------------------------------


_DASH_PARTS = ("intro", "continue", "stats", "body")
_DASH_TIMEOUT = 60 * 60  # a learner's entries of earlier states simply age out


def _dashboard_parts(request: HttpRequest, course: Course, courses: list[Course]) -> dict[str, str]:
    """The learner's part of the page as HTML, from the cache when nothing they did has changed since.

    Keyed by the learner, the content versions of the courses shown and the learner's state version (one
    query: every workflow that writes their state replaces it, so nothing is ever invalidated); the date
    too, so nothing shown can go stale overnight. The review queue (due now, next due) depends on the time
    and is not part of it."""
    user = request.user
    key = make_key(
        "dashboard-html",
        user.pk,
        user.date_joined,  # an id reused after an account is deleted is another learner
        versions.courses_version(courses),
        course.pk,
        versions.learner_version(user),
        timezone.now().date(),
    )
    try:
        parts = cache.get(key)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
        parts = None
    if parts is not None:
        return {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308  # nosec B308 B703
    content = progress.cached_course_content(course)
    data = progress.dashboard(user, course, content=content, with_queue=False)
    context = {
        "dash": data,
        "courses": [{"slug": c.slug, "title": c.title} for c in courses],
    }
    # No request: these parts use no context processor, so what is cached is the same for every request.
    parts = {
        name: render_to_string(f"training/progress_dashboard.html#dash-{name}", context)
        for name in _DASH_PARTS
    }
    try:
        cache.set(key, parts, _DASH_TIMEOUT)
    except Exception:
        logger.warning("dashboard cache unavailable", exc_info=True)
    return parts


@require_GET
@login_required
def progress_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    courses = progress.published_courses()
    course = progress.current_course(request.GET.get("course") or None, courses=courses)
    if course is None and request.GET.get("course"):
        raise Http404("No such course.")
    parts = _dashboard_parts(request, course, courses) if course is not None else {}
    queue = review.queue_state(request.user) if course is not None else None
    return render(
        request,
        "training/progress_dashboard.html",
        {
            "course": course,
            "parts": parts,
            "review_due": queue.due if queue else 0,
            "next_review": queue.next_due if queue else None,
            # The navigation's review badge (training.context_processors) shows the same count: reuse it.
            "review_due_count": queue.due if queue else 0,
        },
    )


@require_GET
@vary_on_headers("HX-Request")
def progress_summary(request: HtmxHttpRequest) -> HttpResponse:
    """The small progress bar (training/includes/_progress_bar.html) on its own, for htmx refreshes."""
    course = progress.current_course(request.GET.get("course") or None)
    return render(request, "training/progress_summary.html", {"course": course})


# --- Review --------------------------------------------------------------------------------------------


def _card_form(card: ReviewCard, data=None) -> AnswerForm:
    spec = review.shown_spec(card)
    return answer_form(spec, scope=review.scope(card), id=f"review-{card.pk}", prompt=card.question.prompt, data=data)


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
    now = timezone.now()
    card = review.next_card(request.user, now=now)
    context = {"due_count": review.due_count(request.user, now=now)}
    if card is not None:
        context.update(_card_context(card))
    else:
        context["next_review"] = review.next_due_at(request.user, now=now)
    return context


@require_GET
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
        if request.htmx:
            context = {**_queue_context(request), "notice": str(error)}
            return render(request, "training/review_queue.html#review-panel", context, status=409)
        messages.error(request, str(error))
        return redirect("review")
    if request.htmx:
        context = {
            **_queue_context(request),
            **_feedback_context(answered.row, answered.feedback),
            "showing_feedback": True,
        }
        response = render(request, "training/review_queue.html#review-panel", context)
        return trigger_client_event(response, PROGRESS_CHANGED)
    return redirect(f"{reverse('review')}?reviewed={answered.row.pk}")


@require_POST
@login_required
def review_rate(request: HtmxHttpRequest, log_id: int) -> HttpResponse:
    try:
        log = scheduling.rerate(user=request.user, log_id=log_id, rating=request.POST.get("rating", ""))
    except ReviewLog.DoesNotExist:
        raise Http404("No such review.") from None
    except scheduling.ReviewError as error:
        if request.htmx:
            context = {**_queue_context(request), "notice": str(error)}
            return render(request, "training/review_queue.html#review-panel", context, status=409)
        messages.error(request, str(error))
        return redirect("review")
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


# --- Certificates --------------------------------------------------------------------------------------


def _course_or_404(slug: str) -> Course:
    return get_object_or_404(Course.objects.visible(), slug=slug)


@require_http_methods(["GET", "POST"])
@login_required
def certificate_claim(request: HttpRequest, course_slug: str) -> HttpResponse:
    """The learner's certificate for a course: what is missing, the claim form, or the printable certificate."""
    course = _course_or_404(course_slug)
    certificate = certificates.certificate_for(request.user, course)
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if certificate is None and not name:
            return _claim_page(request, course, error="Enter your name as it should appear.", status=400)
        if len(name) > 300:
            return _claim_page(request, course, error="Use at most 300 characters for the name.", status=400)
        try:
            certificate = certificates.issue_certificate(user=request.user, course=course, name=name)
        except certificates.NotEligible as error:
            return _claim_page(request, course, error=str(error), status=409)
        messages.success(request, "Your certificate has been issued.")
        return redirect("certificate_claim", course_slug=course.slug)
    if certificate is not None:
        return render(
            request,
            "training/certificate_print.html",
            {"certificate": certificate, "course": course, "verify_url": _verify_url(request, certificate)},
        )
    return _claim_page(request, course)


def _claim_page(request: HttpRequest, course: Course, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "training/certificate_claim.html",
        {
            "course": course,
            "eligibility": certificates.eligibility(request.user, course),
            "default_name": request.POST.get("name") or certificates.default_name(request.user),
            "error": error,
        },
        status=status,
    )


def _verify_url(request: HttpRequest, certificate) -> str:
    return request.build_absolute_uri(reverse("certificate_detail", args=[certificate.code]))


@require_GET
def certificate_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public verification: the name, course and date of a valid certificate, and nothing else."""
    certificate = certificates.find_certificate(code)
    if certificate is None:
        return render(request, "training/certificate_detail.html", {"code": code[:40]}, status=404)
    if certificate.code != code:
        return redirect("certificate_detail", code=certificate.code)
    return render(request, "training/certificate_detail.html", {"certificate": certificate})


@require_GET
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """A form to type a code; a well-formed code goes to its verification page."""
    typed = request.GET.get("code", "")
    error = ""
    if typed:
        canonical = certificates.normalise_code(typed)
        if canonical:
            return redirect("certificate_detail", code=canonical)
        error = "A certificate code has 16 letters and digits, for example ABCD-EFGH-JKLM-NPQR."
    return render(
        request,
        "training/certificate_verify.html",
        {"code": typed[:40], "error": error},
        status=400 if error else 200,
    )


# --- My data -------------------------------------------------------------------------------------------


@require_GET
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "training/mydata_page.html", {"error": ""})


@require_GET
@login_required
@never_cache
def my_data_export(request: HttpRequest) -> HttpResponse:
    data = mydata.export_for(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{mydata.export_filename(request.user)}"'
    return response


@require_POST
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "training/mydata_page.html",
            {"error": "Tick the box to confirm that you want to delete your account."},
            status=400,
        )
    if not mydata.delete_account(user=request.user, password=request.POST.get("password", "")):
        return render(
            request,
            "training/mydata_page.html",
            {"error": "That password is not right. Your account has not been deleted."},
            status=400,
        )
    logout(request)
    messages.success(request, "Your account and all your data have been deleted.")
    return redirect("home")
