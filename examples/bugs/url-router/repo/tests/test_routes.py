import pytest

from router.routes import MethodNotAllowed, NotFound, Router


def make_router():
    router = Router()

    @router.route("/health")
    def health():
        return "ok"

    @router.route("/users/<int:user_id>", methods=("GET", "DELETE"))
    def user(user_id):
        return f"user {user_id}"

    @router.route("/users/<int:user_id>/posts/<slug>")
    def post(user_id, slug):
        return f"post {slug} by {user_id}"

    return router


def test_static_route():
    router = make_router()
    assert router.dispatch("GET", "/health") == "ok"
    assert router.dispatch("get", "/health/") == "ok"


def test_int_parameter():
    assert make_router().dispatch("GET", "/users/42") == "user 42"


def test_parameter_that_does_not_convert_is_not_found():
    with pytest.raises(NotFound):
        make_router().dispatch("GET", "/users/alice")


def test_unknown_path():
    with pytest.raises(NotFound):
        make_router().dispatch("GET", "/orders")


def test_method_not_allowed():
    with pytest.raises(MethodNotAllowed) as info:
        make_router().dispatch("POST", "/users/7")
    assert info.value.allowed == {"GET", "DELETE"}


def test_longer_route_after_a_shorter_one():
    assert make_router().dispatch("GET", "/users/7/posts/hello-world") == "post hello-world by 7"


def test_extra_segments_are_not_found():
    with pytest.raises(NotFound):
        make_router().dispatch("GET", "/users/7/settings")
