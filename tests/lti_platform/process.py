"""Start the test platform (tests/lti_platform) in its own process on a free loopback port in 8810–8890."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTRATION_UUID = "5d0b5c1e-3f61-4c55-9d1a-2f4b7c9e8a10"
CLIENT_ID = "diplomacy-tracks-test"
DEPLOYMENT_ID = "deployment-1"


def free_port(first: int = 8810, last: int = 8890) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8810–8890")


@dataclass
class RunningPlatform:
    url: str  # its origin, which is also its issuer
    process: subprocess.Popen

    def get_json(self, path: str):
        import json

        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.load(response)

    def post(self, path: str, body: bytes = b"", content_type: str = "application/json") -> int:
        request = urllib.request.Request(
            self.url + path, data=body, method="POST", headers={"Content-Type": content_type}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status


@contextmanager
def platform(tool_url: str) -> Iterator[RunningPlatform]:
    """The platform, configured for the tool at `tool_url`, until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LTI_PLATFORM_ISSUER": url,
        "LTI_PLATFORM_CLIENT_ID": CLIENT_ID,
        "LTI_PLATFORM_DEPLOYMENT_ID": DEPLOYMENT_ID,
        "LTI_TOOL_LOGIN_URL": f"{tool_url}/lti/login/{REGISTRATION_UUID}/",
        "LTI_TOOL_LAUNCH_URL": f"{tool_url}/lti/launch/",
        "LTI_TOOL_JWKS_URL": f"{tool_url}/lti/jwks/",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.lti_platform", str(port)], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != b"READY":
            raise RuntimeError("the test platform did not start")
        for _ in range(50):
            try:
                urllib.request.urlopen(url + "/jwks", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield RunningPlatform(url=url, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def register(platform_url: str, *, name: str = "Test LMS"):
    """The tool's side of the registration, as an administrator enters it in our admin."""
    from lti_tool.models import LtiDeployment, LtiRegistration

    registration = LtiRegistration.objects.create(
        name=name,
        uuid=REGISTRATION_UUID,
        issuer=platform_url,
        client_id=CLIENT_ID,
        auth_url=f"{platform_url}/authorize",
        token_url=f"{platform_url}/token",
        keyset_url=f"{platform_url}/jwks",
    )
    LtiDeployment.objects.create(registration=registration, deployment_id=DEPLOYMENT_ID, is_active=True)
    return registration
