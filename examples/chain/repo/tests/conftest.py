"""Integration tests run over HTTP against the running services: FRONT_URL, MIDDLE_URL, BACK_URL."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Service:
    url: str

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with _OPENER.open(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"{}")


def _service(name: str) -> Service:
    url = os.environ.get(f"{name.upper()}_URL", "").rstrip("/")
    if not url:
        pytest.fail(f"{name.upper()}_URL must point at the running {name} service")
    return Service(url)


@pytest.fixture
def front() -> Service:
    return _service("front")


@pytest.fixture
def middle() -> Service:
    return _service("middle")


@pytest.fixture
def back() -> Service:
    return _service("back")
