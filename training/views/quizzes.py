"""The quiz flow: intro → start (or resume) → one question per page → review and submit → results → retake."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from training import quizzes, results
from training.answer_forms import AnswerForm, answer_form
from training.answering import Answered, answer_question
from training.calibration import calibration_chart, calibration_for_attempt
from training.content_cache import cached, make_key
from training.feedback import Feedback, feedback_for
from training.grading import CERTAINTY_LEVELS, QuestionSpec, spec_from_question
from training.models import Question, Quiz, QuizAttempt, Response
from training.plain_text import small_int
from training.views.base import (
    PROGRESS_CHANGED,
    HtmxHttpRequest,
    ask_to_log_in,
    login_url_for,
    signup_url_for,
)


def quiz_queryset():
    return Quiz.objects.visible()


def get_quiz(slug: str) -> Quiz:
    return get_object_or_404(
        quiz_queryset()
        .select_related("module")
        .annotate(
            # The row rule is enough for the questions of a visible quiz.
            question_count=Count("questions", filter=Question.objects.published_q("questions__"))
        ),
        slug=slug,
    )


def get_attempt(request, slug: str, attempt_id: int) -> QuizAttempt:
    """The learner's own attempt at this quiz; anyone else's (or an unknown one) is a 404. A timed attempt past
    its deadline is submitted first (quizzes.close_if_expired)."""
    attempt = get_object_or_404(
        QuizAttempt.objects.for_user(request.user)
        .filter(Quiz.objects.visible_q("quiz__"))
        .select_related("quiz", "quiz__module", "quiz__course"),
        pk=attempt_id,
        quiz__slug=slug,
    )
    return quizzes.close_if_expired(attempt, user=request.user)


def attempt_url(attempt: QuizAttempt, name: str = "quiz_attempt", **kwargs) -> str:
    return reverse(name, kwargs={"slug": attempt.quiz.slug, "attempt_id": attempt.pk, **kwargs})


def question_url(attempt: QuizAttempt, number: int) -> str:
    return attempt_url(attempt, "quiz_question", number=number)


# --- Intro and start ---------------------------------------------------------------------------------------


@require_safe
def quiz_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    quiz = get_quiz(slug)
    attempts: list[QuizAttempt] = []
    if request.user.is_authenticated:
        mine = QuizAttempt.objects.for_user(request.user).filter(quiz=quiz)
        quizzes.submit_expired(mine)
        attempts = list(mine.order_by("number"))
    open_attempt = next((a for a in attempts if not a.is_submitted), None)
    submitted = [a for a in attempts if a.is_submitted]
    context = {
        "quiz": quiz,
        "attempts": submitted,
        "open_attempt": open_attempt,
        "attempts_left": quizzes.attempts_left(quiz, len(attempts)),
        "can_start": quizzes.can_start(quiz, len(attempts)),
        "best": max((a.percent or 0 for a in submitted), default=None),
        "extra_percent": quizzes.extra_percent(quiz, request.user) if quiz.time_limit else 0,
        "login_url": login_url_for(quiz.get_absolute_url()),
        "signup_url": signup_url_for(quiz.get_absolute_url()),
    }
    return render(request, "training/quiz_detail.html", context)


@require_POST
def quiz_start(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    quiz = get_quiz(slug)
    if not request.user.is_authenticated:
        return ask_to_log_in(request, quiz.get_absolute_url())
    try:
        attempt, created = quizzes.start_attempt(user=request.user, quiz=quiz)
    except quizzes.QuizError as error:
        messages.error(request, str(error))
        return redirect(quiz.get_absolute_url())
    if not created:
        messages.info(
            request, f"You already have attempt {attempt.number} open; carrying on where you left off."
        )
    answered = set(attempt.responses.values_list("question_id", flat=True))
    number = next((i + 1 for i, qid in enumerate(attempt.question_ids) if qid not in answered), 1)
    target = question_url(attempt, number)
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


# --- One question ------------------------------------------------------------------------------------------


@dataclass
class QuestionPage:
    attempt: QuizAttempt
    number: int
    total: int
    question: Question | None  # None: withdrawn from the course since the attempt started
    answered: set[int]
    form: AnswerForm | None = None
    feedback: Feedback | None = None
    saved: bool = False  # assessment: answered, feedback held until the results
    notice: str = ""
    certainty_note: str = ""  # certainty-based marking: the certainty given and its mark (with the feedback)
    hints: list[str] = field(default_factory=list)  # practice: the hints opened so far, in order
    next_hint_cost: float | None = None  # practice, before answering: the cost of the next hint, if any
    hint_note: str = ""  # with the feedback: "Hints used: 2 (−50%)"

    @property
    def hint_url(self) -> str:
        return attempt_url(self.attempt, "quiz_hint", number=self.number)

    @property
    def practice(self) -> bool:
        return self.attempt.quiz.mode == Quiz.Mode.PRACTICE

    @property
    def all_answered(self) -> bool:
        return all(qid in self.answered for qid in self.attempt.question_ids)

    @property
    def answered_count(self) -> int:
        return sum(1 for qid in self.attempt.question_ids if qid in self.answered)

    @property
    def url(self) -> str:
        return question_url(self.attempt, self.number)

    @property
    def previous_url(self) -> str:
        return question_url(self.attempt, self.number - 1) if self.number > 1 else ""

    @property
    def next_url(self) -> str:
        return question_url(self.attempt, self.number + 1) if self.number < self.total else ""

    @property
    def summary_url(self) -> str:
        return attempt_url(self.attempt)

    @property
    def submit_url(self) -> str:
        return attempt_url(self.attempt, "quiz_submit")

    @property
    def is_answered(self) -> bool:
        return self.question is not None and self.question.pk in self.answered


def attempt_scope(attempt: QuizAttempt) -> str:
    return f"attempt:{attempt.pk}"


def shown_spec(attempt: QuizAttempt, question: Question) -> QuestionSpec:
    """The question as this attempt shows it: its published choices in the attempt's stable order."""
    published = list(question.choices.all())
    by_id = {choice.pk: choice for choice in published}
    order = attempt.choice_order.get(str(question.pk), [])
    shown = [by_id[pk] for pk in order if pk in by_id]
    shown += [choice for choice in published if choice.pk not in set(order)]
    return spec_from_question(question, choices=shown)


def load_question(attempt: QuizAttempt, number: int) -> Question | None:
    """The attempt's question `number` if it is still published, with its choices, categories and
    citations; cached per content version (one query instead of four)."""
    if not 1 <= number <= len(attempt.question_ids):
        raise Http404("This attempt has no such question.")
    question_id = attempt.question_ids[number - 1]

    def build() -> tuple[Question | None]:
        return (Question.objects.visible().filter(pk=question_id).as_shown().first(),)

    version = attempt.quiz.course.content_version
    (question,) = cached(make_key("question", question_id, version), build)
    return question


def question_form(attempt: QuizAttempt, question: Question, spec: QuestionSpec, **kwargs) -> AnswerForm:
    return answer_form(
        spec,
        scope=attempt_scope(attempt),
        id=f"q{question.pk}",
        prompt=question.prompt,
        certainty=attempt.quiz.certainty,
        **kwargs,
    )


def hint_note(costs: list[float]) -> str:
    """What the feedback says about the hints used before answering ("" when none)."""
    if not costs:
        return ""
    return f"Hints used: {len(costs)} (−{round(100 * min(1.0, sum(costs)))}%)."


def certainty_note(certainty: int | None, mark: float | None) -> str:
    """What a certainty-based mark says next to the feedback ("" without certainty-based marking)."""
    if not certainty or mark is None:
        return ""
    return f"Your certainty: {CERTAINTY_LEVELS[certainty].lower()} ({certainty}). Mark: {mark:+g}."


def question_page(
    attempt: QuizAttempt,
    number: int,
    question: Question | None,
    *,
    form: AnswerForm | None = None,
    answered_now: Answered | None = None,
    notice: str = "",
) -> QuestionPage:
    """The question page: the form (`form`: a posted one with its errors), or what the learner answered —
    from `answered_now` right after answering (graded once, not read back), else from the stored response."""
    answered = set(Response.objects.filter(attempt=attempt).values_list("question_id", flat=True))
    page = QuestionPage(
        attempt=attempt,
        number=number,
        total=len(attempt.question_ids),
        question=question,
        answered=answered,
        notice=notice,
    )
    if question is None:
        return page
    spec = shown_spec(attempt, question)
    opened = quizzes.hints_shown(attempt, question)
    if form is not None or question.pk not in answered:
        page.form = form or question_form(attempt, question, spec)
        if page.practice:
            # Only the hints the learner asked for reach the page (no text of the others).
            page.hints = [hint["text"] for hint in question.hints[:opened]]
            if opened < len(question.hints):
                page.next_hint_cost = float(question.hints[opened]["cost"])
        return page
    page.hint_note = hint_note(quizzes.hint_costs(attempt, question))
    if answered_now is not None:
        answer, feedback = answered_now.answer, answered_now.feedback
        certainty, mark = answered_now.grade.certainty, answered_now.grade.cbm_mark
    else:
        stored = (
            Response.objects.filter(attempt=attempt, question=question)
            .values("answer", "snapshot", "certainty", "mark")
            .get()
        )
        answer, feedback = stored["answer"], None
        certainty, mark = stored["certainty"], stored["mark"]
        if page.practice or attempt.is_submitted:
            feedback = feedback_for(stored["snapshot"], answer)
    if page.practice or attempt.is_submitted:
        page.feedback = feedback
        page.certainty_note = certainty_note(certainty, mark)
    else:
        # The mark would tell right from wrong: an assessment shows only the certainty given.
        page.saved = True
        page.form = question_form(
            attempt, question, spec, answer=answer, disabled=True, shown_certainty=certainty
        )
    return page


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def quiz_question(request: HtmxHttpRequest, slug: str, attempt_id: int, number: int) -> HttpResponse:
    attempt = get_attempt(request, slug, attempt_id)
    if request.method == "POST" and attempt.is_expired(datetime.now(UTC), open_only=False):
        # Past the deadline and its grace (get_attempt has just submitted it, or cron had): refused.
        return time_up(request, attempt, quizzes.time_up_message(attempt))
    if attempt.is_submitted:
        if request.method == "POST":
            messages.info(request, "This attempt has been submitted, so its answers can no longer change.")
        target = attempt_url(attempt, "quiz_results")
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    question = load_question(attempt, number)
    if request.method == "GET":
        page = question_page(attempt, number, question)
        context = {"page": page, "quiz": attempt.quiz, "timer": timer_context(attempt)}
        return render(request, "training/quiz_question.html", context)

    if question is None:
        raise Http404("This question was withdrawn from the course.")
    spec = shown_spec(attempt, question)
    form = question_form(attempt, question, spec, data=request.POST)
    if not form.is_valid():
        page = question_page(attempt, number, question, form=form)
        template = "training/quiz_question.html#question" if request.htmx else "training/quiz_question.html"
        return render(request, template, {"page": page, "quiz": attempt.quiz, "focus": True}, status=422)
    try:
        answered = answer_question(
            user=request.user,
            question=question,
            spec=spec,
            answer=form.answer,
            recorder=quizzes.InAttempt(attempt),
            certainty=form.certainty,
            hint_costs=quizzes.hint_costs(attempt, question),
        )
    except quizzes.TimeUp as error:
        # Refused: nothing of this answer was written. The attempt ends as of its deadline.
        attempt, _ = quizzes.submit_attempt(user=request.user, attempt=attempt)
        return time_up(request, attempt, str(error))
    except quizzes.AttemptSubmitted as error:
        messages.info(request, str(error))
        target = attempt_url(attempt, "quiz_results")
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    notice = "" if answered.recorded else "You had already answered this question; your first answer stands."
    if request.htmx:
        page = question_page(attempt, number, question, answered_now=answered, notice=notice)
        response = render(
            request,
            "training/quiz_question.html#question",
            {"page": page, "quiz": attempt.quiz, "focus": True},
        )
        response["HX-Trigger"] = PROGRESS_CHANGED
        return response
    if notice:
        messages.info(request, notice)
    return redirect(question_url(attempt, number) + "#question")


def time_up(request: HtmxHttpRequest, attempt: QuizAttempt, message: str) -> HttpResponse:
    """409: an answer sent after a timed attempt's deadline and grace. htmx follows HX-Redirect to the
    results (the message goes with it); without htmx the page says why, with a link to the results."""
    if request.htmx:
        messages.error(request, message)
        response = HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
        response["HX-Redirect"] = attempt_url(attempt, "quiz_results")
        return response
    return render(
        request,
        "training/quiz_time_up.html",
        {"attempt": attempt, "quiz": attempt.quiz, "message": message},
        status=409,
    )


def timer_context(attempt: QuizAttempt) -> dict:
    """What the timer shows (templates/training/includes/_quiz_timer.html); nothing for an untimed attempt."""
    if attempt.deadline is None or attempt.is_submitted:
        return {}
    remaining = max(0, int((attempt.deadline - datetime.now(UTC)).total_seconds()))
    return {
        "deadline": attempt.deadline,
        "remaining": remaining,
        "remaining_minutes": -(-remaining // 60),
        "grace": settings.QUIZ_GRACE_SECONDS,
    }


@login_required
@require_POST
def quiz_hint(request: HtmxHttpRequest, slug: str, attempt_id: int, number: int) -> HttpResponse:
    """Open the question's next hint (practice quizzes), recorded before the answer, and go back to the
    question. The form says how many hints the page showed, so a repeat opens nothing more."""
    attempt = get_attempt(request, slug, attempt_id)
    if attempt.is_submitted:
        return redirect(attempt_url(attempt, "quiz_results"))
    question = load_question(attempt, number)
    shown = small_int(request.POST.get("shown"))
    if question is None or shown is None:
        return HttpResponse("Which hint? Reload the question and try again.", status=400)
    try:
        quizzes.open_hint(user=request.user, attempt=attempt, question=question, shown=shown)
    except quizzes.QuizError as error:
        messages.info(request, str(error))
    return redirect(question_url(attempt, number) + "#hints")


# --- Review, submit, results ---------------------------------------------------------------------------------


@login_required
@require_safe
def quiz_attempt(request: HtmxHttpRequest, slug: str, attempt_id: int) -> HttpResponse:
    attempt = get_attempt(request, slug, attempt_id)
    if attempt.is_submitted:
        return redirect(attempt_url(attempt, "quiz_results"))
    prompts = dict(Question.objects.visible().filter(pk__in=attempt.question_ids).values_list("pk", "prompt"))
    answered = set(Response.objects.filter(attempt=attempt).values_list("question_id", flat=True))
    rows = [
        {
            "number": index + 1,
            "prompt": prompts.get(qid, "This question was withdrawn from the course."),
            "answered": qid in answered,
            "url": question_url(attempt, index + 1),
        }
        for index, qid in enumerate(attempt.question_ids)
    ]
    unanswered = sum(1 for row in rows if not row["answered"])
    return render(
        request,
        "training/quiz_attempt.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "rows": rows,
            "unanswered": unanswered,
            "timer": timer_context(attempt),
        },
    )


@login_required
@require_POST
def quiz_submit(request: HtmxHttpRequest, slug: str, attempt_id: int) -> HttpResponse:
    attempt = get_attempt(request, slug, attempt_id)
    attempt, submitted_now = quizzes.submit_attempt(user=request.user, attempt=attempt)
    if not submitted_now:
        messages.info(request, "This attempt was already submitted; it was counted once.")
    target = attempt_url(attempt, "quiz_results")
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@dataclass(frozen=True)
class GivenAnswer:
    """What the learner answered and how right it was, without the answer key: what the results page shows
    while the quiz's results policy holds the key back (no right option, order or category, no feedback)."""

    kind: str
    verdict: str
    verdict_text: str
    percent: int
    rows: tuple[tuple[str, str], ...]  # (option text, the learner's position or category; "" when chosen)


def given_answer(feedback: Feedback) -> GivenAnswer:
    if feedback.kind in ("single", "multiple"):
        rows = [(row.text, "") for row in feedback.chosen_rows]
    elif feedback.kind == "order":
        # feedback_for lists the steps the learner placed first, in the learner's order.
        rows = [(row.text, str(row.given_position)) for row in feedback.rows if row.given_position]
    else:
        rows = [(row.text, row.given_category) for row in feedback.rows]
    return GivenAnswer(
        kind=feedback.kind,
        verdict=feedback.verdict,
        verdict_text=feedback.verdict_text,
        percent=feedback.percent,
        rows=tuple(rows),
    )


def answer_key_notice(quiz: Quiz, attempts: list[QuizAttempt]) -> str:
    """Why the results leave the answer key out (see Quiz.answer_key_shown)."""
    if any(not a.is_submitted for a in attempts):
        return "The answers are hidden while you have an attempt at this quiz open."
    if quiz.results == Quiz.Results.NEVER:
        return "The answers to this assessment are not shown."
    return "The answers are shown after your last attempt or once you pass."


@login_required
@require_safe
def quiz_results(request: HtmxHttpRequest, slug: str, attempt_id: int) -> HttpResponse:
    attempt = get_attempt(request, slug, attempt_id)
    if not attempt.is_submitted:
        messages.info(request, "Submit this attempt to see your results.")
        return redirect(attempt_url(attempt))
    quiz = attempt.quiz
    attempts = list(QuizAttempt.objects.for_user(request.user).filter(quiz=quiz))
    key_shown = quiz.answer_key_shown(attempts)
    responses = {row.question_id: row for row in Response.objects.filter(attempt=attempt)}
    missing = [qid for qid in attempt.question_ids if qid not in responses]
    prompts = dict(Question.objects.filter(pk__in=missing).values_list("pk", "prompt")) if missing else {}
    items = []
    for index, qid in enumerate(attempt.question_ids):
        row = responses.get(qid)
        feedback = feedback_for(row.snapshot, row.answer) if row else None
        items.append(
            {
                "number": index + 1,
                # The answer key only when the results policy allows; otherwise the answer and its verdict.
                "feedback": feedback if key_shown else None,
                "given": given_answer(feedback) if feedback and not key_shown else None,
                "snapshot": row.snapshot if row else None,
                "prompt": row.snapshot.get("prompt") if row else prompts.get(qid, "A withdrawn question"),
                "certainty_note": certainty_note(row.certainty, row.mark) if row else "",
            }
        )
    used = len(attempts)
    calibration = calibration_for_attempt(responses.values()) if quiz.certainty else None
    weakest = [] if attempt.passed else results.weakest_objectives(attempt, responses.values())
    return render(
        request,
        "training/quiz_results.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "items": items,
            "key_notice": "" if key_shown else answer_key_notice(quiz, attempts),
            "can_start": quizzes.can_start(quiz, used),
            "attempts_left": quizzes.attempts_left(quiz, used),
            "calibration": calibration,
            "calibration_chart": calibration_chart(calibration) if calibration else None,
            "summary": results.summary(attempt, responses),
            "weakest": weakest,
        },
    )
