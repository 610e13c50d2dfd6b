from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("training.urls.accounts")),
    path("lti/", include("lms.urls")),
    path("", include("training.urls")),
    path("", include("xapi.urls")),
    path("", include("roleplay.urls")),
    path("", include("badges.urls")),
]

handler403 = "training.views.errors.permission_denied"
handler404 = "training.views.errors.page_not_found"
handler500 = "training.views.errors.server_error"
