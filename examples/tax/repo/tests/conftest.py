import json
import os
import urllib.request

import pytest


@pytest.fixture
def get():
    def get(path: str) -> dict:
        with urllib.request.urlopen(os.environ["TAX_URL"] + path, timeout=10) as answer:
            return json.loads(answer.read())

    return get
