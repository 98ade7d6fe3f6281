from pathlib import Path

import pytest

from envfile.parser import EnvFileError, expand, load, parse


def test_simple_values():
    assert parse("DEBUG=1\nNAME = shop \n") == {"DEBUG": "1", "NAME": "shop"}


def test_comments_blank_lines_and_export():
    assert parse("# settings\n\nexport PORT=8080\n") == {"PORT": "8080"}


def test_quoted_values():
    text = "GREETING=\"hello\\nworld\"\nPADDED='  x  '\nPORT=8080 # web\n"
    assert parse(text) == {"GREETING": "hello\nworld", "PADDED": "  x  ", "PORT": "8080"}


def test_value_containing_equals_signs():
    env = parse("DATABASE_URL=postgres://app@db:5432/app?sslmode=require\n")
    assert env == {"DATABASE_URL": "postgres://app@db:5432/app?sslmode=require"}


def test_quoted_secret_ending_in_padding():
    assert parse('API_TOKEN="c2VjcmV0LXRva2Vu=="')["API_TOKEN"] == "c2VjcmV0LXRva2Vu=="


def test_line_without_equals_sign():
    with pytest.raises(EnvFileError) as info:
        parse("A=1\nJUSTAWORD\n")
    assert info.value.lineno == 2


def test_invalid_key():
    with pytest.raises(EnvFileError):
        parse("2FAST=yes")


def test_expand():
    env = expand({"HOST": "db", "URL": "pg://${HOST}/${NAME}"}, {"NAME": "shop"})
    assert env["URL"] == "pg://db/shop"


def test_load():
    path = Path(__file__).parent / "data" / "site.env"
    assert load(path, {"PORT": "80"}) == {"HOST": "localhost", "URL": "http://localhost:80/"}
