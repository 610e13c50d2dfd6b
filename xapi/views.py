"""The outbox's status for instructors: is an LRS configured, what is queued, sent and failing, the last error."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from training.permissions import instructor_required
from xapi import lrs
from xapi.models import QueuedStatement

FAILING_SHOWN = 20


@require_safe
@instructor_required
def status(request: HttpRequest) -> HttpResponse:
    rows = QueuedStatement.objects.all()
    unsent = Q(sent_at__isnull=True)
    totals = rows.aggregate(
        queued=Count("pk", filter=unsent & Q(attempts=0)),
        failing=Count("pk", filter=unsent & Q(attempts__gt=0)),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        last_sent=Max("sent_at"),
        oldest_unsent=Min("created_at", filter=unsent),
    )
    by_event = (
        rows.values("verb")
        .annotate(
            queued=Count("pk", filter=unsent & Q(attempts=0)),
            failing=Count("pk", filter=unsent & Q(attempts__gt=0)),
            sent=Count("pk", filter=Q(sent_at__isnull=False)),
        )
        .order_by("verb")
    )
    last_failure = rows.exclude(last_error="").order_by("-last_attempt_at", "-pk").first()
    failing = rows.failing().order_by("next_attempt_at", "pk")[:FAILING_SHOWN]
    context = {
        "configured": bool(settings.XAPI_LRS_URL),
        "lrs": lrs.public_address(),
        "totals": totals,
        "by_event": by_event,
        "last_failure": last_failure,
        "failing": failing,
        "failing_shown": FAILING_SHOWN,
    }
    return render(request, "xapi/status.html", context)
