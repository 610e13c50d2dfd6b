"""Simulations: intro, runs (decision and ending pages), choices, and the instructors' map."""

from django.urls import path

from training.views import sims

urlpatterns = [
    path("simulations/<slug:slug>/", sims.simulation_detail, name="simulation_detail"),
    path("simulations/<slug:slug>/start/", sims.simulation_start, name="simulation_start"),
    path("simulations/<slug:slug>/runs/<int:run_id>/", sims.simulation_run, name="simulation_run"),
    path(
        "simulations/<slug:slug>/runs/<int:run_id>/choose/", sims.simulation_choose, name="simulation_choose"
    ),
    path(
        "simulations/<slug:slug>/runs/<int:run_id>/reflection/",
        sims.simulation_reflect,
        name="simulation_reflect",
    ),
    path("simulations/<slug:slug>/map/", sims.simulation_map, name="simulation_map"),
]
