"""Keep secrets out of everything greenloop writes: evidence, request journals, PR bodies, logs."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)
# Shapes of well-known credentials, caught even when they are not in our environment.
SECRET_SHAPE = re.compile(r"\b(sk-ant-[\w-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|AKIA[0-9A-Z]{16})\b")
MIN_SECRET_LENGTH = 6
MASK = "[redacted]"


_ALSO_SECRET: set[str] = set()


def secret_named(named: Mapping[str, str]) -> dict[str, str]:
    """The variables whose names say they are secrets and whose values are long enough to mask (a shorter one
    would mask ordinary words everywhere)."""
    return {k: v for k, v in named.items() if SECRET_NAME.search(k) and len(v) >= MIN_SECRET_LENGTH}


def treat_as_secret(named: Mapping[str, str]) -> None:
    """Mask, from now on in this process, the values of these variables whose names say they are secrets: those a
    config hands to services (`[[services]] env`), which are not in greenloop's own environment."""
    _ALSO_SECRET.update(secret_named(named).values())


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names say they are secrets (and those `treat_as_secret` was given),
    longest first."""
    environ = os.environ if environ is None else environ
    values = {v for k, v in environ.items() if SECRET_NAME.search(k) and len(v) >= MIN_SECRET_LENGTH}
    return sorted(values | _ALSO_SECRET, key=len, reverse=True)


def redact(value: Any, secrets: list[str] | None = None) -> Any:
    """The same JSON-plain value with every secret string masked, however deep."""
    secrets = secret_values() if secrets is None else secrets
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return SECRET_SHAPE.sub(MASK, value)
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    return value
