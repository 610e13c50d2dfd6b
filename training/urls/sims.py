"""Simulations: intro, runs (decision and ending pages), choices, the instructors' map, and the authors'
graph and try pages."""

from django.urls import path

from training.views import authoring, sims

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
    path("simulations/<slug:slug>/graph/", authoring.simulation_graph, name="simulation_graph"),
    path(
        "simulations/<slug:slug>/graph/add-option/",
        authoring.simulation_graph_add,
        name="simulation_graph_add",
    ),
    path("simulations/<slug:slug>/try/", authoring.simulation_try, name="simulation_try"),
]
