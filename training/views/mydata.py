"""My data: the learner's page, the JSON export of everything stored about them, and account deletion."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from training import mydata


@require_safe
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "training/mydata_page.html", {"error": ""})


@require_safe
@login_required
@never_cache
def my_data_export(request: HttpRequest) -> HttpResponse:
    data = mydata.export_for(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{mydata.export_filename(request.user)}"'
    return response


@require_POST
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "training/mydata_page.html",
            {"error": "Tick the box to confirm that you want to delete your account."},
            status=400,
        )
    if not mydata.delete_account(user=request.user, password=request.POST.get("password", "")):
        return render(
            request,
            "training/mydata_page.html",
            {
                "error": "That password is not right. Your account has not been deleted."
                if request.user.is_authenticated and request.user.has_usable_password()
                else "That is not your username. Your account has not been deleted."
            },
            status=400,
        )
    logout(request)
    messages.success(request, "Your account and all your data have been deleted.")
    return redirect("home")
