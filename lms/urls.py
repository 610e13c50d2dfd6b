from django.urls import path

from lms import views

app_name = "lms"

urlpatterns = [
    path("login/<uuid:registration_uuid>/", views.login_initiation, name="login"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", views.jwks, name="jwks"),
    path("course/", views.course, name="course"),
    path("deep-link/", views.deep_link, name="deep_link"),
    path("link-account/", views.link_account, name="link_account"),
]
