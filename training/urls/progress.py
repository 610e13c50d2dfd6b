"""Progress: the dashboard and the small progress bar it refreshes."""

from django.urls import path

from training.views import progress

urlpatterns = [
    path("progress/", progress.progress_dashboard, name="progress"),
    path("progress/summary/", progress.progress_summary, name="progress_summary"),
    path("progress/goal/", progress.progress_goal, name="progress_goal"),
    path("progress/mastery/", progress.progress_mastery, name="progress_mastery"),
]
