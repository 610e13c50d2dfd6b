"""Role-play URLs: learners (join, play, debrief) and the facilitator console (run/)."""

from django.urls import path

from roleplay import console, views

urlpatterns = [
    # Learners
    path("roleplays/", views.join, name="roleplay_join"),
    path("roleplays/code/<str:code>/", views.join_code, name="roleplay_join_code"),
    path("roleplays/sessions/<int:session_id>/", views.session_page, name="roleplay_session"),
    path("roleplays/sessions/<int:session_id>/leave/", views.leave, name="roleplay_leave"),
    path("roleplays/groups/<int:group_id>/", views.play, name="roleplay_play"),
    path("roleplays/groups/<int:group_id>/messages/", views.post_message, name="roleplay_message"),
    path("roleplays/groups/<int:group_id>/proposals/", views.make_proposal, name="roleplay_propose"),
    path(
        "roleplays/groups/<int:group_id>/proposals/<int:proposal_id>/answer/",
        views.respond,
        name="roleplay_respond",
    ),
    path("roleplays/groups/<int:group_id>/debrief/", views.debrief, name="roleplay_debrief"),
    # The facilitator
    path("roleplays/run/", console.run_home, name="roleplay_run"),
    path("roleplays/run/start/", console.start, name="roleplay_run_start"),
    path("roleplays/run/sessions/<int:session_id>/", console.console, name="roleplay_console"),
    path("roleplays/run/sessions/<int:session_id>/assign/", console.assign, name="roleplay_run_assign"),
    path("roleplays/run/sessions/<int:session_id>/clock/", console.clock, name="roleplay_run_clock"),
    path("roleplays/run/sessions/<int:session_id>/injects/", console.release, name="roleplay_run_inject"),
    path("roleplays/run/sessions/<int:session_id>/reassign/", console.reassign, name="roleplay_run_reassign"),
    path("roleplays/run/sessions/<int:session_id>/message/", console.message, name="roleplay_run_message"),
    path("roleplays/run/sessions/<int:session_id>/end/", console.end, name="roleplay_run_end"),
    path(
        "roleplays/run/sessions/<int:session_id>/groups/<int:group_id>/",
        console.group_page,
        name="roleplay_run_group",
    ),
    path("roleplays/run/sessions/<int:session_id>/debrief/", console.debrief, name="roleplay_run_debrief"),
    path("roleplays/run/sessions/<int:session_id>/export.csv", console.export_csv, name="roleplay_run_csv"),
]
