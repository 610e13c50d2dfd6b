"""Learner pages for reading: lessons with their inline checks (a course's tracks and glossary: views/courses.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from training import lessons as lesson_flow
from training.answer_forms import AnswerForm, answer_form
from training.answering import answer_question, question_snapshot
from training.content_cache import cached, make_key
from training.feedback import Feedback, feedback_for
from training.grading import spec_from_question
from training.lessons import InLessonCheck
from training.markup import citation_label, render_markdown
from training.models import (
    CheckAnswer,
    Citation,
    Course,
    GlossaryTerm,
    Lesson,
    LessonProgress,
    Question,
)
from training.pathway import OutlineItem, course_outline, module_progress, neighbours
from training.plain_text import small_int
from training.views.base import (
    PROGRESS_CHANGED,
    HtmxHttpRequest,
    ask_to_log_in,
    login_url_for,
    signup_url_for,
)


def published_courses():
    return Course.objects.visible().in_order()


def citations_prefetch(to_attr: str = "shown_citations") -> Prefetch:
    return Prefetch(
        "citations",
        queryset=Citation.objects.visible().in_order().select_related("section", "reference"),
        to_attr=to_attr,
    )


# --- Lessons ------------------------------------------------------------------------------------------------


@dataclass
class CheckView:
    """One inline knowledge check as the lesson page shows it: a form, or the feedback on the answer."""

    question: Question
    form: AnswerForm | None = None
    feedback: Feedback | None = None
    notice: str = ""

    @property
    def element_id(self) -> str:
        return f"check-{self.question.pk}"


def check_scope(question: Question) -> str:
    return f"check:{question.pk}"


def check_form(question: Question, **kwargs) -> AnswerForm:
    return answer_form(
        spec_from_question(question),
        scope=check_scope(question),
        id=f"check-{question.pk}-form",
        prompt=question.prompt,
        **kwargs,
    )


def check_view(question: Question, *, answer: dict | None = None, again: bool = False) -> CheckView:
    """The check as the page shows it: the feedback on the learner's stored `answer`, or the form (showing
    that answer again when they chose to answer again)."""
    if answer is not None and not again:
        snap = question_snapshot(question, spec_from_question(question))
        return CheckView(question=question, feedback=feedback_for(snap, answer))
    return CheckView(question=question, form=check_form(question, answer=answer))


def lesson_queryset():
    return Lesson.objects.visible()


def get_lesson(slug: str) -> Lesson:
    return get_object_or_404(lesson_queryset().select_related("module", "module__course"), slug=slug)


def lesson_checks(lesson: Lesson, *, drafts: bool = False) -> list[Question]:
    """The lesson's published checks with their choices, categories and citations (four queries); with
    `drafts` (an instructor's preview) its draft checks too."""
    checks = Question.objects.active() if drafts else Question.objects.visible()
    return list(checks.filter(lesson_id=lesson.pk).in_order().as_shown())


def lesson_glossary(
    lesson: Lesson, *, drafts: bool = False
) -> tuple[dict[str, GlossaryTerm], list[GlossaryTerm]]:
    """The course's published glossary (slug → term) and the lesson's published key terms (by term), in one
    query; with `drafts`, draft terms too."""
    key_term_ids = Lesson.key_terms.through.objects.filter(lesson_id=lesson.pk).values("glossaryterm_id")
    terms = list(
        (GlossaryTerm.objects.active() if drafts else GlossaryTerm.objects.visible())
        .annotate(is_key_term=Exists(key_term_ids.filter(glossaryterm_id=OuterRef("pk"))))
        .filter(Q(course_id=lesson.course_id) | Q(is_key_term=True))
        .only("slug", "term", "definition", "course_id")
        .order_by("term", "pk")
    )
    glossary = {term.slug: term for term in terms if term.course_id == lesson.course_id}
    return glossary, [term for term in terms if term.is_key_term]


def cached_outline(course: Course) -> list[OutlineItem]:
    """The course's outline for previous / next, cached per content version."""
    return cached(make_key("outline", course.pk, course.content_version), lambda: course_outline(course))


@dataclass
class LessonContent:
    """What the lesson page shows from the curriculum alone (the same for every learner): cached per
    lesson and content version, so a page view reads it with one query instead of nine."""

    body_html: str
    objectives: list
    key_terms: list[tuple[GlossaryTerm, str]]
    citations: list[dict[str, str]]
    checks: list[Question]


def lesson_content(lesson: Lesson, *, drafts: bool = False) -> LessonContent:
    """What the page shows; with `drafts` (an instructor's preview of a draft), the draft objectives, terms,
    citations and checks too."""
    glossary, key_terms = lesson_glossary(lesson, drafts=drafts)
    return LessonContent(
        body_html=render_markdown(
            lesson.body,
            glossary,
            heading_level=3,
            id_prefix="body",
            glossary_url=reverse("course_glossary", args=[lesson.module.course.slug]),
        ),
        objectives=list(
            (lesson.objectives.active() if drafts else lesson.objectives.visible()).in_order().only("text")
        ),
        key_terms=[(term, render_markdown(term.definition)) for term in key_terms],
        citations=[
            citation_label(c)
            for c in (Citation.objects.active() if drafts else Citation.objects.visible())
            .in_order()
            .filter(lesson=lesson)
            .select_related("section", "reference")
        ],
        checks=lesson_checks(lesson, drafts=drafts),
    )


def lesson_preview_context(lesson: Lesson) -> dict:
    """The lesson page as a learner will see it once published, drafts included, for an instructor: the
    checks' fields shown but disabled; nothing recorded, nothing cached."""
    content = lesson_content(lesson, drafts=True)
    page = lesson.get_absolute_url()
    return {
        "preview": True,
        "lesson": lesson,
        "module": lesson.module,
        "body_html": content.body_html,
        "objectives": content.objectives,
        "key_terms": content.key_terms,
        "citations": content.citations,
        "checks": [CheckView(question=q, form=check_form(q, disabled=True)) for q in content.checks],
        "progress": None,
        "module_path": None,
        "previous_item": None,
        "next_item": None,
        "login_url": login_url_for(page),
        "signup_url": signup_url_for(page),
    }


def lesson_context(
    request: HttpRequest,
    lesson: Lesson,
    *,
    check_views: dict[int, CheckView] | None = None,
    progress: LessonProgress | None = None,
) -> dict:
    """Everything the lesson page shows. `progress`: the learner's row when the caller already has it."""
    user = request.user
    course = lesson.module.course
    content = cached(make_key("lesson", lesson.pk, course.content_version), lambda: lesson_content(lesson))
    checks = content.checks
    answers: dict[int, dict] = {}
    if user.is_authenticated:
        if checks:
            answers = dict(
                CheckAnswer.objects.for_user(user)
                .filter(question__in=[check.pk for check in checks])
                .values_list("question_id", "answer")
            )
        if progress is None:
            progress = LessonProgress.objects.for_user(user).filter(lesson=lesson).first()
    again = {number for number in map(small_int, request.GET.getlist("again")) if number is not None}
    views = []
    for check in checks:
        if check_views and check.pk in check_views:
            views.append(check_views[check.pk])
        else:
            views.append(check_view(check, answer=answers.get(check.pk), again=check.pk in again))
    # Previous / next from the course's outline (titles and slugs only); the module's progress from the
    # learner's finished items in this module: not the whole learning path.
    outline = cached_outline(course)
    previous_item, next_item = neighbours(outline, "lesson", lesson.pk)
    module_path = module_progress(user, lesson.module_id, outline) if user.is_authenticated else None
    lesson_page = lesson.get_absolute_url()
    return {
        "lesson": lesson,
        "module": lesson.module,
        "body_html": content.body_html,
        "objectives": content.objectives,
        "key_terms": content.key_terms,
        "citations": content.citations,
        "checks": views,
        "progress": progress,
        "module_path": module_path,
        "previous_item": previous_item,
        "next_item": next_item,
        "login_url": login_url_for(lesson_page),
        "signup_url": signup_url_for(lesson_page),
    }


@require_safe
@vary_on_headers("HX-Request")
def lesson_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = get_lesson(slug)
    again_id = small_int(request.GET.get("again"))
    if request.htmx and again_id is not None:
        # "Answer again" in place: only that check's form.
        check = _get_check(lesson, again_id)
        answer = None
        if request.user.is_authenticated:
            answer = (
                CheckAnswer.objects.for_user(request.user)
                .filter(question=check)
                .values_list("answer", flat=True)
                .first()
            )
        return render(
            request,
            "training/lesson_detail.html#check",
            {"check": check_view(check, answer=answer, again=True), "lesson": lesson, "focus": True},
        )
    progress = None
    if request.user.is_authenticated:
        progress = lesson_flow.record_view(user=request.user, lesson=lesson)
    return render(request, "training/lesson_detail.html", lesson_context(request, lesson, progress=progress))


def _get_check(lesson: Lesson, question_id: int) -> Question:
    try:
        return lesson.checks.visible().as_shown().get(pk=question_id)
    except Question.DoesNotExist:
        raise Http404("No such check in this lesson.") from None


@require_POST
def lesson_check(request: HtmxHttpRequest, slug: str, question_id: int) -> HttpResponse:
    lesson = get_lesson(slug)
    check = _get_check(lesson, question_id)
    if not request.user.is_authenticated:
        return ask_to_log_in(request, lesson.get_absolute_url())
    form = check_form(check, data=request.POST)
    if not form.is_valid():
        view = CheckView(question=check, form=form)
        if request.htmx:
            return render(
                request,
                "training/lesson_detail.html#check",
                {"check": view, "lesson": lesson, "focus": True},
                status=422,
            )
        context = lesson_context(request, lesson, check_views={check.pk: view})
        return render(request, "training/lesson_detail.html", context, status=422)
    answered = answer_question(
        user=request.user, question=check, spec=form.spec, answer=form.answer, recorder=InLessonCheck()
    )
    notice = "" if answered.recorded else "You sent this answer twice; it was recorded once."
    if request.htmx:
        view = CheckView(question=check, feedback=answered.feedback, notice=notice)
        response = render(
            request, "training/lesson_detail.html#check", {"check": view, "lesson": lesson, "focus": True}
        )
        response["HX-Trigger"] = PROGRESS_CHANGED
        return response
    if notice:
        messages.info(request, notice)
    return redirect(f"{lesson.get_absolute_url()}#check-{check.pk}")


@require_POST
def lesson_complete(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = get_lesson(slug)
    if not request.user.is_authenticated:
        return ask_to_log_in(request, lesson.get_absolute_url())
    progress, newly = lesson_flow.complete_lesson(user=request.user, lesson=lesson)
    if request.htmx:
        outline = cached_outline(lesson.module.course)
        response = render(
            request,
            "training/lesson_detail.html#completion",
            {
                "lesson": lesson,
                "progress": progress,
                "module_path": module_progress(request.user, lesson.module_id, outline),
                "module": lesson.module,
                "just_completed": True,
                "oob": True,
            },
        )
        response["HX-Trigger"] = PROGRESS_CHANGED
        return response
    messages.success(
        request, "Lesson marked complete." if newly else "This lesson was already marked complete."
    )
    return redirect(lesson.get_absolute_url())
