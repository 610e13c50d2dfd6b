from django.urls import path

from badges import views

urlpatterns = [
    path("badges/issuer/", views.issuer, name="badges_issuer"),
    path("badges/issuer/key.pem", views.issuer_key, name="badges_issuer_key"),
    path("badges/issuer/jwks.json", views.issuer_jwks, name="badges_issuer_jwks"),
    path("badges/achievements/<slug:slug>/", views.achievement, name="badges_achievement"),
    path("badges/status/<int:number>/", views.status_list, name="badges_status_list"),
    path("certificates/<str:code>/credential.jwt", views.credential, name="badges_credential"),
]
