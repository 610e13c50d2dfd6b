"""Quizzes: intro, start, one question per page, submit and results."""

from django.urls import path

from training.views import quizzes

urlpatterns = [
    path("quizzes/<slug:slug>/", quizzes.quiz_detail, name="quiz_detail"),
    path("quizzes/<slug:slug>/start/", quizzes.quiz_start, name="quiz_start"),
    path("quizzes/<slug:slug>/attempts/<int:attempt_id>/", quizzes.quiz_attempt, name="quiz_attempt"),
    path(
        "quizzes/<slug:slug>/attempts/<int:attempt_id>/questions/<int:number>/",
        quizzes.quiz_question,
        name="quiz_question",
    ),
    path(
        "quizzes/<slug:slug>/attempts/<int:attempt_id>/questions/<int:number>/hint/",
        quizzes.quiz_hint,
        name="quiz_hint",
    ),
    path("quizzes/<slug:slug>/attempts/<int:attempt_id>/submit/", quizzes.quiz_submit, name="quiz_submit"),
    path("quizzes/<slug:slug>/attempts/<int:attempt_id>/results/", quizzes.quiz_results, name="quiz_results"),
]
