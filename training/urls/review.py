"""The review queue: one due question at a time, its answer and the learner's rating."""

from django.urls import path

from training.views import review

urlpatterns = [
    path("review/", review.review_queue, name="review"),
    path("review/<int:card_id>/answer/", review.review_answer, name="review_answer"),
    path("review/rate/<int:log_id>/", review.review_rate, name="review_rate"),
]
