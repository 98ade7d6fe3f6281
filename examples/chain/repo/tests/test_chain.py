"""The chain front -> middle -> back, over HTTP."""

from __future__ import annotations


def test_services_are_healthy(front, middle, back):
    for service in (front, middle, back):
        assert service.get("/healthz") == (200, {"ok": True})


def test_greet(front):
    status, body = front.get("/greet?name=ana")
    assert status == 200, body
    assert body["greeting"] == "Hello, ANA!"


def test_greet_names_every_version_that_answered(front):
    status, body = front.get("/greet?name=ana")
    assert status == 200, body
    assert sorted(body["versions"]) == ["back", "front", "middle"]
    for service, version in body["versions"].items():
        assert version.startswith(f"{service}-"), body["versions"]


def test_greet_collapses_whitespace(front):
    status, body = front.get("/greet?name=%20ana%20%20maria%20")
    assert status == 200, body
    assert body["greeting"] == "Hello, ANA MARIA!"


def test_greet_needs_a_name(front):
    assert front.get("/greet")[0] == 400
    assert front.get("/greet?name=%20%20")[0] == 400


def test_shout(middle):
    status, body = middle.get("/shout?text=good%20%20morning")
    assert status == 200, body
    assert body["shout"] == "GOOD MORNING"
    assert sorted(body["versions"]) == ["back", "middle"]


def test_blank_shout_is_400(middle):
    status, body = middle.get("/shout?text=%20")
    assert status == 400
    assert "text" in body["error"]


def test_word(back):
    status, body = back.get("/word?text=%20hi%20%20there%20")
    assert status == 200, body
    assert body["word"] == "hi there"
    assert body["version"].startswith("back-")


def test_unknown_path_is_404(front, middle, back):
    for service in (front, middle, back):
        assert service.get("/nope")[0] == 404
