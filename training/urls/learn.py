"""Learner pages for reading: tracks, the track comparison, the glossary, lessons and their checks."""

from django.urls import path

from training.views import learn

urlpatterns = [
    path("tracks/", learn.track_list, name="track_list"),
    path("tracks/compare/", learn.track_compare, name="track_compare"),
    path("tracks/<slug:slug>/", learn.track_detail, name="track_detail"),
    path("glossary/", learn.glossary, name="glossary"),
    path("lessons/<slug:slug>/", learn.lesson_detail, name="lesson_detail"),
    path("lessons/<slug:slug>/checks/<int:question_id>/", learn.lesson_check, name="lesson_check"),
    path("lessons/<slug:slug>/complete/", learn.lesson_complete, name="lesson_complete"),
]
