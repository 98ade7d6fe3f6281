"""Integration tests run over HTTP against the running services: CATALOG_URL, PRICING_URL, CHECKOUT_URL."""

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

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with _OPENER.open(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"{}")

    def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return self.request("POST", path, body, **kwargs)


def _service(name: str) -> Service:
    url = os.environ.get(f"{name.upper()}_URL", "").rstrip("/")
    if not url:
        pytest.fail(f"{name.upper()}_URL must point at the running {name} service")
    return Service(url)


@pytest.fixture
def catalog() -> Service:
    return _service("catalog")


@pytest.fixture
def pricing() -> Service:
    return _service("pricing")


@pytest.fixture
def checkout() -> Service:
    return _service("checkout")

