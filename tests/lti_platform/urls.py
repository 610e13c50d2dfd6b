from django.urls import path

from tests.lti_platform import views

urlpatterns = [
    path("course", views.course_page),
    path("launch", views.launch),
    path("authorize", views.authorize),
    path("token", views.token),
    path("jwks", views.jwks),
    path("deep-link-return", views.deep_link_return),
    path("lineitems", views.lineitems),
    path("lineitems/<str:item_id>", views.lineitem),
    path("lineitems/<str:item_id>/scores", views.scores),
    path("memberships", views.memberships),
    # Test controls (what a real LMS's database and admin screens would hold): read what arrived, set the
    # roster, make the next score POSTs fail.
    path("_state", views.state),
    path("_roster", views.set_roster),
    path("_fail_scores", views.fail_scores),
    path("_reset", views.reset),
]
