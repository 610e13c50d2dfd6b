"""Courses: the catalogue, each course's page, glossary and tracks; the old site-wide URLs redirect into the
learner's current course."""

from django.urls import path

from training.views import courses

urlpatterns = [
    path("courses/", courses.catalogue, name="course_list"),
    path("courses/<slug:slug>/", courses.course_detail, name="course_detail"),
    path("courses/<slug:slug>/glossary/", courses.course_glossary, name="course_glossary"),
    path("courses/<slug:slug>/tracks/", courses.course_tracks, name="course_tracks"),
    path("courses/<slug:slug>/tracks/compare/", courses.course_track_compare, name="course_track_compare"),
    path("courses/<slug:slug>/tracks/<slug:track_slug>/", courses.course_track, name="course_track"),
    # The old URLs: into the current course (or the only one), else the catalogue.
    path("tracks/", courses.track_list, name="track_list"),
    path("tracks/compare/", courses.track_compare, name="track_compare"),
    path("tracks/<slug:slug>/", courses.track_detail, name="track_detail"),
    path("glossary/", courses.glossary, name="glossary"),
]
