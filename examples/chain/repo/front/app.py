"""front: greets people; asks middle (MIDDLE_URL) to shout their name.

GET /healthz          -> 200 {"ok": true}
GET /greet?name=<n>   -> 200 {"greeting", "versions": {"front", "middle", "back"}}: which version of each
                         service answered
                         400 the name is missing or blank, 502 middle failed
"""

from __future__ import annotations

import urllib.parse

from chain_common import HttpError, get_json, serve, service_url

VERSION = "front-1"
MIDDLE_URL = ""


def greet(name: str) -> dict:
    if not name.strip():
        raise HttpError(400, "give a non-blank ?name=")
    answer = get_json(f"{MIDDLE_URL}/shout?{urllib.parse.urlencode({'text': name})}")
    return {"greeting": f"Hello, {answer['shout']}!", "versions": {"front": VERSION, **answer["versions"]}}


def route(path: str, query: dict[str, list[str]]) -> tuple[int, dict]:
    if path == "/healthz":
        return 200, {"ok": True}
    if path == "/greet":
        return 200, greet((query.get("name") or [""])[0])
    raise HttpError(404, "not found")


if __name__ == "__main__":
    MIDDLE_URL = service_url("MIDDLE_URL")
    serve("front", route)
