"""URLs of the training app, one module per area so each can grow without touching the others."""

from django.urls import include, path

from training.views import site

urlpatterns = [
    path("", site.home, name="home"),
    path("healthz", site.healthz, name="healthz"),
    path("", include("training.urls_learn")),
    path("", include("training.urls_progress")),
    path("", include("training.urls_sims")),
    path("", include("training.urls_instructor")),
]
