"""The environment children start from: an allowlist, so secrets in greenloop's own environment
(`ANTHROPIC_API_KEY`, `GITHUB_TOKEN`, cloud keys) never reach services, setup or test commands — which run code
that a model wrote."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

ALLOWED = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TERM", "TMPDIR", "TEMP", "TMP",
    "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX", "PYENV_VERSION", "PYENV_ROOT",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NO_COLOR", "CI",
})
ALLOWED_PREFIXES = ("LC_",)


def child_env(allow: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allowlisted part of `environ` (default: ours), plus the names `[env] allow` adds."""
    environ = os.environ if environ is None else environ
    names = ALLOWED | set(allow)
    return {k: v for k, v in environ.items() if k in names or k.startswith(ALLOWED_PREFIXES)}
