"""The instructor area: cohorts, their statistics and CSV files."""

from django.urls import path

from training.views import authoring, instructor

urlpatterns = [
    path("instructor/", instructor.home, name="instructor_home"),
    path(
        "instructor/courses/<slug:slug>/readiness/",
        authoring.course_readiness_page,
        name="instructor_readiness",
    ),
    path("instructor/preview/<slug:kind>/", authoring.markdown_preview, name="markdown_preview"),
    path(
        "instructor/drafts/lessons/<slug:slug>/", authoring.lesson_preview, name="instructor_lesson_preview"
    ),
    path("instructor/drafts/quizzes/<slug:slug>/", authoring.quiz_preview, name="instructor_quiz_preview"),
    path("instructor/cohorts/new/", instructor.cohort_create, name="instructor_cohort_create"),
    path("instructor/cohorts/<int:pk>/", instructor.cohort_detail, name="instructor_cohort"),
    path("instructor/cohorts/<int:pk>/objectives/", instructor.objectives, name="instructor_objectives"),
    path("instructor/cohorts/<int:pk>/extra-time/", instructor.extra_time, name="instructor_extra_time"),
    path("instructor/cohorts/<int:pk>/learners.csv", instructor.learners_csv, name="instructor_learners_csv"),
    path("instructor/cohorts/<int:pk>/quizzes.csv", instructor.quizzes_csv, name="instructor_quizzes_csv"),
    path(
        "instructor/cohorts/<int:pk>/objectives.csv",
        instructor.objectives_csv,
        name="instructor_objectives_csv",
    ),
    path(
        "instructor/cohorts/<int:pk>/simulations.csv",
        instructor.simulations_csv,
        name="instructor_simulations_csv",
    ),
    path("instructor/cohorts/<int:pk>/quizzes/<slug:slug>/", instructor.quiz_stats, name="instructor_quiz"),
    path(
        "instructor/cohorts/<int:pk>/quizzes/<slug:slug>/questions.csv",
        instructor.questions_csv,
        name="instructor_questions_csv",
    ),
    path(
        "instructor/cohorts/<int:pk>/quizzes/<slug:slug>/options.csv",
        instructor.options_csv,
        name="instructor_options_csv",
    ),
    path(
        "instructor/cohorts/<int:pk>/quizzes/<slug:slug>/distribution.csv",
        instructor.distribution_csv,
        name="instructor_distribution_csv",
    ),
    path(
        "instructor/cohorts/<int:pk>/questions/<slug:slug>/",
        instructor.question_stats,
        name="instructor_question",
    ),
    path(
        "instructor/cohorts/<int:pk>/simulations/<slug:slug>/",
        instructor.simulation_stats,
        name="instructor_simulation",
    ),
    path(
        "instructor/cohorts/<int:pk>/simulations/<slug:slug>/endings.csv",
        instructor.endings_csv,
        name="instructor_endings_csv",
    ),
    path(
        "instructor/cohorts/<int:pk>/simulations/<slug:slug>/decisions.csv",
        instructor.decisions_csv,
        name="instructor_decisions_csv",
    ),
    path(
        "instructor/cohorts/<int:pk>/simulations/<slug:slug>/runs.csv",
        instructor.runs_csv,
        name="instructor_runs_csv",
    ),
]
