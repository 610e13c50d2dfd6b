"""The case library, module reflections and the capstone (learners), and their instructor pages."""

from django.urls import path

from training.views import capstones, cases, modules

urlpatterns = [
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<slug:slug>/", cases.case_detail, name="case_detail"),
    path("modules/<slug:slug>/reflection/", modules.module_reflection, name="module_reflection"),
    path("capstone/<slug:slug>/", capstones.capstone_detail, name="capstone_detail"),
    path(
        "instructor/cohorts/<int:pk>/capstones/", capstones.instructor_capstones, name="instructor_capstones"
    ),
    path(
        "instructor/cohorts/<int:pk>/capstones/<int:submission_id>/",
        capstones.instructor_capstone_grade,
        name="instructor_capstone_grade",
    ),
    path(
        "instructor/cohorts/<int:pk>/reflections/",
        modules.instructor_reflections,
        name="instructor_reflections",
    ),
]
