"""URLs of the training app, one module per area (matching training/views/) so each can grow alone.

The account pages (training.urls.accounts) are included under accounts/ by diplomacy/urls.py."""

from django.urls import include, path

from training.views import site

urlpatterns = [
    path("", site.home, name="home"),
    path("healthz", site.healthz, name="healthz"),
    path("favicon.ico", site.favicon, name="favicon"),
    path("", include("training.urls.courses")),
    path("", include("training.urls.learn")),
    path("", include("training.urls.quizzes")),
    path("", include("training.urls.progress")),
    path("", include("training.urls.review")),
    path("", include("training.urls.certificates")),
    path("", include("training.urls.mydata")),
    path("", include("training.urls.sims")),
    path("", include("training.urls.cohorts")),
    path("", include("training.urls.instructor")),
    path("", include("training.urls.casework")),
]
