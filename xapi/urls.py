from django.urls import path

from xapi import views

urlpatterns = [
    path("instructor/xapi/", views.status, name="instructor_xapi_status"),
]
