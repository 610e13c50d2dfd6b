"""Calls from the tool to a platform's services (AGS, NRPS) through pylti1p3's ServiceConnector, which gets an
OAuth2 access token with a JWT signed by the tool's key. Every HTTP call has a timeout."""

from __future__ import annotations

import requests
from lti_tool.models import LtiRegistration
from pylti1p3.service_connector import REQUESTS_USER_AGENT, ServiceConnector

TIMEOUT_SECONDS = 10


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def connector_for(registration: LtiRegistration) -> ServiceConnector:
    session = _TimeoutSession()
    session.headers["User-Agent"] = REQUESTS_USER_AGENT
    return ServiceConnector(registration.to_registration(), requests_session=session)
