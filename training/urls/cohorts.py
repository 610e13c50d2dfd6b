"""Learners join a cohort with its code: the form and the join link."""

from django.urls import path

from training.views import cohorts

urlpatterns = [
    path("cohorts/join/", cohorts.join, name="cohort_join"),
    path("cohorts/join/<str:code>/", cohorts.join_link, name="cohort_join_code"),
]
