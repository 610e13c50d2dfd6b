"""Learner pages for reading: lessons and their checks."""

from django.urls import path

from training.views import learn

urlpatterns = [
    path("lessons/<slug:slug>/", learn.lesson_detail, name="lesson_detail"),
    path("lessons/<slug:slug>/checks/<int:question_id>/", learn.lesson_check, name="lesson_check"),
    path("lessons/<slug:slug>/complete/", learn.lesson_complete, name="lesson_complete"),
]
