"""Curriculum YAML in the admin: export a course; upload → validation report or dry-run plan → confirm → load.

An upload goes through the loader's own entry point for named texts (`loader.load_texts`), the same reading,
validation and writing `manage.py load_curriculum` does, so the admin can neither accept what the command
rejects nor load differently. Problems name the uploaded files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from training.admin.forms import ImportForm, upload_limit
from training.curriculum.loader import Report, load_texts
from training.curriculum.problems import CurriculumError, Problem
from training.models import Course
from training.publishing import publishable_export

IMPORT_SESSION_KEY = "curriculum_import"


@dataclass
class Outcome:
    """What a (dry or real) load found: problems, or one report per course."""

    problems: list[Problem]
    reports: list[Report]

    @property
    def ok(self) -> bool:
        return not self.problems


def fingerprint(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def run(files: dict[str, str], *, dry_run: bool) -> Outcome:
    """Load the uploaded files (name → text, one course) with the loader; roll back when `dry_run`."""
    try:
        reports = load_texts(files, dry_run=dry_run, name="the upload")
    except CurriculumError as exc:
        return Outcome(problems=exc.problems, reports=[])
    return Outcome(problems=[], reports=reports)


class CourseYamlViews(admin.ModelAdmin):
    """The course admin's YAML pages: an "Export YAML" column and view, and the import view (a base of
    CourseAdmin, before ContentAdmin)."""

    @admin.display(description="YAML")
    def export_link(self, obj):
        url = reverse("admin:training_course_export", args=[obj.pk])
        return format_html(
            '<a href="{}">Export YAML<span class="visually-hidden"> of {}</span></a>', url, obj
        )

    def get_urls(self):
        urls = [
            path("import/", self.admin_site.admin_view(self.import_view), name="training_course_import"),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="training_course_export",
            ),
        ]
        return urls + super().get_urls()

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "GET":
            return HttpResponse(status=405)
        if not self.has_view_permission(request):
            raise PermissionDenied
        course = get_object_or_404(Course, pk=pk)
        # Incomplete drafts are left out (and listed in a comment at the top): the file always loads.
        export = publishable_export(course)
        response = HttpResponse(export.text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{course.slug}.yaml"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_change_permission(request) and request.user.has_perm("training.add_course")):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import curriculum YAML",
            "upload_limit": upload_limit(),
        }
        stored = request.session.get(IMPORT_SESSION_KEY)
        if request.method == "POST" and "confirm" in request.POST:
            if not stored or request.POST.get("token") != stored.get("token"):
                messages.error(request, "That import is no longer waiting: upload the file again.")
                return HttpResponseRedirect(reverse("admin:training_course_import"))
            outcome = run(stored["files"], dry_run=False)
            del request.session[IMPORT_SESSION_KEY]
            if not outcome.ok:
                # The database changed between preview and confirm (for example another course took a slug).
                context.update(form=ImportForm(), problems=outcome.problems, files=list(stored["files"]))
                return TemplateResponse(request, "admin/training/course/import.html", context, status=400)
            for report in outcome.reports:
                messages.success(
                    request,
                    f"Loaded course {report.course}: {report.total('created')} created, "
                    f"{report.total('updated')} updated, {report.total('archived')} archived, "
                    f"{report.total('unchanged')} unchanged.",
                )
            return HttpResponseRedirect(reverse("admin:training_course_changelist"))
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                files = form.cleaned_data["files"]
                outcome = run(files, dry_run=True)
                context.update(form=ImportForm(), files=list(files))
                if not outcome.ok:
                    request.session.pop(IMPORT_SESSION_KEY, None)
                    context["problems"] = outcome.problems
                    return TemplateResponse(request, "admin/training/course/import.html", context, status=400)
                token = fingerprint(files)
                # The text waits in the server-side session: "confirm" loads exactly what was previewed.
                request.session[IMPORT_SESSION_KEY] = {"token": token, "files": files}
                context.update(reports=outcome.reports, token=token)
                return TemplateResponse(request, "admin/training/course/import.html", context)
            context["form"] = form
            return TemplateResponse(request, "admin/training/course/import.html", context, status=400)
        context["form"] = ImportForm()
        return TemplateResponse(request, "admin/training/course/import.html", context)
