"""Integration tests: the running trips service (TRIPS_URL), backed by the running stations service (STATIONS_URL)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import pytest

TRIPS_URL = os.environ.get("TRIPS_URL", "").rstrip("/")
STATIONS_URL = os.environ.get("STATIONS_URL", "").rstrip("/")



@pytest.fixture(autouse=True)
def _services_configured():
    if not (TRIPS_URL and STATIONS_URL):
        pytest.fail("TRIPS_URL and STATIONS_URL must point at the running trips and stations services")


def get(base: str, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_services_are_healthy():
    assert get(STATIONS_URL, "/healthz") == (200, {"ok": True})
    assert get(TRIPS_URL, "/healthz") == (200, {"ok": True})


def test_station_lookup():
    assert get(STATIONS_URL, "/stations/ALD") == (200, {"code": "ALD", "name": "Alder Street", "zone": 1})


def test_quote_within_one_zone():
    assert get(TRIPS_URL, "/quote?from=ALD&to=CEN") == (
        200,
        {"from": "ALD", "to": "CEN", "zones_crossed": 0, "fare_cents": 250},
    )


def test_quote_across_zones():
    assert get(TRIPS_URL, "/quote?from=ALD&to=HIL") == (
        200,
        {"from": "ALD", "to": "HIL", "zones_crossed": 2, "fare_cents": 450},
    )


def test_quote_is_case_insensitive():
    status, body = get(TRIPS_URL, "/quote?from=brk&to=mar")
    assert status == 200
    assert (body["from"], body["to"], body["fare_cents"]) == ("BRK", "MAR", 350)


def test_quote_unknown_station_is_404():
    status, body = get(TRIPS_URL, "/quote?from=ALD&to=XYZ")
    assert status == 404
    assert "XYZ" in body["error"]


def test_quote_missing_parameter_is_400():
    status, body = get(TRIPS_URL, "/quote?from=ALD")
    assert status == 400
    assert "to" in body["error"]


def test_quote_from_kingsgate_cross():
    # Kingsgate Cross sits on the zone 1/2 boundary and is priced as zone 1.
    assert get(TRIPS_URL, "/quote?from=KGX&to=HIL") == (
        200,
        {"from": "KGX", "to": "HIL", "zones_crossed": 2, "fare_cents": 450},
    )


def test_quote_to_kingsgate_cross():
    assert get(TRIPS_URL, "/quote?from=BRK&to=KGX") == (
        200,
        {"from": "BRK", "to": "KGX", "zones_crossed": 1, "fare_cents": 350},
    )
