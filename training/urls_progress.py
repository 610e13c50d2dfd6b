"""Progress: the dashboard, the review queue, certificates and My data."""

from django.urls import path

from training.views import progress

urlpatterns = [
    path("progress/", progress.progress_dashboard, name="progress"),
    path("progress/summary/", progress.progress_summary, name="progress_summary"),
    path("progress/certificate/<slug:course_slug>/", progress.certificate_claim, name="certificate_claim"),
    path("review/", progress.review_queue, name="review"),
    path("review/<int:card_id>/answer/", progress.review_answer, name="review_answer"),
    path("review/rate/<int:log_id>/", progress.review_rate, name="review_rate"),
    path("certificates/verify/", progress.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/", progress.certificate_detail, name="certificate_detail"),
    path("account/data/", progress.my_data, name="my_data"),
    path("account/data/export/", progress.my_data_export, name="my_data_export"),
    path("account/data/delete/", progress.account_delete, name="account_delete"),
]
