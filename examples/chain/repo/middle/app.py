"""middle: shouts words; asks back (BACK_URL) to clean them up first.

GET /healthz          -> 200 {"ok": true}
GET /shout?text=<t>   -> 200 {"shout", "versions": {"middle", "back"}}
                         400 the text is missing or blank, 502 back failed
"""

from __future__ import annotations

import urllib.parse

from chain_common import HttpError, get_json, serve, service_url

VERSION = "middle-1"
BACK_URL = ""


def shout(text: str) -> dict:
    answer = get_json(f"{BACK_URL}/word?{urllib.parse.urlencode({'text': text})}")
    return {"shout": answer["word"].upper(), "versions": {"middle": VERSION, "back": answer["version"]}}


def route(path: str, query: dict[str, list[str]]) -> tuple[int, dict]:
    if path == "/healthz":
        return 200, {"ok": True}
    if path == "/shout":
        return 200, shout((query.get("text") or [""])[0])
    raise HttpError(404, "not found")


if __name__ == "__main__":
    BACK_URL = service_url("BACK_URL")
    serve("middle", route)
