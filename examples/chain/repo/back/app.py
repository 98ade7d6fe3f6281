"""back: words, cleaned up.

GET /healthz         -> 200 {"ok": true}
GET /word?text=<t>   -> 200 {"word", "version"}: the text with its whitespace collapsed
                        400 the text is missing or blank
"""

from __future__ import annotations

from chain_common import HttpError, serve

VERSION = "back-1"


def word(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise HttpError(400, "give a non-blank ?text=")
    return cleaned


def route(path: str, query: dict[str, list[str]]) -> tuple[int, dict]:
    if path == "/healthz":
        return 200, {"ok": True}
    if path == "/word":
        return 200, {"word": word((query.get("text") or [""])[0]), "version": VERSION}
    raise HttpError(404, "not found")


if __name__ == "__main__":
    serve("back", route)
