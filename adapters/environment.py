"""The environment children start from: an allowlist, so secrets in greenloop's own environment
(`ANTHROPIC_API_KEY`, `GITHUB_TOKEN`, cloud keys) never reach services, setup or test commands — which run code
that a model wrote."""

from __future__ import annotations

import os
import site
from collections.abc import Iterable, Mapping
from pathlib import Path

ALLOWED = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TERM", "TMPDIR", "TEMP", "TMP",
    "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX", "PYENV_VERSION", "PYENV_ROOT",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NO_COLOR", "CI",
})
ALLOWED_PREFIXES = ("LC_",)


def child_env(allow: Iterable[str] = (), environ: Mapping[str, str] | None = None,
              home: Path | None = None) -> dict[str, str]:
    """The allowlisted part of `environ` (default: ours), plus the names `[env] allow` adds.

    With `home` (a run's scratch folder, created here), HOME is that folder unless `allow` names HOME: the real
    one holds credentials tools pick up unasked (`~/.netrc`, `~/.git-credentials`, `~/.aws/credentials`,
    `~/.config/gh`, `~/.pypirc`, `~/.docker/config.json`), and code a model wrote must not find them there, nor
    write into it. (It is no jail: a file the user can read can still be opened by its absolute path.) Packages
    installed with `pip install --user` stay importable: PYTHONUSERBASE keeps naming the real user base, which
    holds packages, not credentials."""
    environ = os.environ if environ is None else environ
    allow = set(allow)
    names = ALLOWED | allow
    env = {k: v for k, v in environ.items() if k in names or k.startswith(ALLOWED_PREFIXES)}
    if home is not None and "HOME" not in allow:
        home.mkdir(parents=True, exist_ok=True)
        user_base = site.getuserbase()  # ours, from our own HOME: where our interpreter finds --user packages
        if "PYTHONUSERBASE" not in env and os.path.isdir(user_base):
            env["PYTHONUSERBASE"] = user_base
        env["HOME"] = str(home)
    return env
