from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the failure may come from a context processor or the database.
    return HttpResponseServerError(loader.get_template("500.html").render())


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 with the site's navigation and the reason the view gave (PermissionDenied's message)."""
    return render(request, "403.html", {"exception": str(exception)}, status=403)
