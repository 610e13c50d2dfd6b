"""Learner pages: tracks, glossary, lessons and their checks, quizzes and their attempts."""

from django.urls import path

from training.views import learn, quizzes

urlpatterns = [
    path("tracks/", learn.track_list, name="track_list"),
    path("tracks/compare/", learn.track_compare, name="track_compare"),
    path("tracks/<slug:slug>/", learn.track_detail, name="track_detail"),
    path("glossary/", learn.glossary, name="glossary"),
    path("lessons/<slug:slug>/", learn.lesson_detail, name="lesson_detail"),
    path("lessons/<slug:slug>/checks/<int:question_id>/", learn.lesson_check, name="lesson_check"),
    path("lessons/<slug:slug>/complete/", learn.lesson_complete, name="lesson_complete"),
    path("quizzes/<slug:slug>/", quizzes.quiz_detail, name="quiz_detail"),
    path("quizzes/<slug:slug>/start/", quizzes.quiz_start, name="quiz_start"),
    path("quizzes/<slug:slug>/attempts/<int:attempt_id>/", quizzes.quiz_attempt, name="quiz_attempt"),
    path(
        "quizzes/<slug:slug>/attempts/<int:attempt_id>/questions/<int:number>/",
        quizzes.quiz_question,
        name="quiz_question",
    ),
    path("quizzes/<slug:slug>/attempts/<int:attempt_id>/submit/", quizzes.quiz_submit, name="quiz_submit"),
    path("quizzes/<slug:slug>/attempts/<int:attempt_id>/results/", quizzes.quiz_results, name="quiz_results"),
]
