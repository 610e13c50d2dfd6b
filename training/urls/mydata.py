"""My data: the learner's page, the export of everything stored about them, and account deletion."""

from django.urls import path

from training.views import mydata

urlpatterns = [
    path("account/data/", mydata.my_data, name="my_data"),
    path("account/data/export/", mydata.my_data_export, name="my_data_export"),
    path("account/data/delete/", mydata.account_delete, name="account_delete"),
]
