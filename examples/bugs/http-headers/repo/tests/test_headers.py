import pytest

from webtools.headers import Headers, content_length, content_type, is_html, split_params

RESPONSE = (
    "Content-Type: text/html; charset=UTF-8\r\n"
    "Content-Length: 1024\r\n"
    "Set-Cookie: a=1\r\n"
    "set-cookie: b=2\r\n"
    "X-Long: first part\r\n"
    "\tsecond part\r\n"
    "\r\n"
)


def test_parse_and_get_ignore_case():
    headers = Headers.parse(RESPONSE)
    assert headers.get("content-type") == "text/html; charset=UTF-8"
    assert "CONTENT-LENGTH" in headers
    assert headers.get("X-Missing", "-") == "-"


def test_repeated_fields():
    headers = Headers.parse(RESPONSE)
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers.get("Set-Cookie") == "a=1, b=2"


def test_folded_line_is_joined():
    assert Headers.parse(RESPONSE).get("x-long") == "first part second part"


def test_malformed_line():
    with pytest.raises(ValueError):
        Headers.parse("Content-Type text/html\n")


def test_split_params():
    assert split_params('text/plain; charset="utf-8"; format=flowed') == (
        "text/plain", {"charset": "utf-8", "format": "flowed"})


def test_content_type_and_length():
    headers = Headers.parse(RESPONSE)
    assert content_type(headers) == ("text/html", "utf-8")
    assert content_length(headers) == 1024
    assert is_html(headers)


def test_content_type_without_charset():
    assert content_type(Headers.parse("Content-Type: Application/JSON\n")) == ("application/json", None)


def test_content_length_missing():
    assert content_length(Headers.parse("Content-Type: text/plain\n")) is None


def test_redirect_without_content_type():
    headers = Headers.parse("Location: /next\nContent-Length: 0\n")
    assert content_type(headers) == (None, None)
    assert not is_html(headers)


def test_empty_header_block():
    headers = Headers.parse("\r\n")
    assert len(headers) == 0
    assert content_type(headers) == (None, None)
