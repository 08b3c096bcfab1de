"""`lotteon_backend`: every contract test runs once against `responses` and once against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integrations.lotteon.backends import Backend, SandboxBackend, responses_backend


@pytest.fixture(params=["responses", pytest.param("sandbox", marks=pytest.mark.sandbox)])
def lotteon_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "responses":
        with responses_backend() as backend:
            yield backend
        return
    try:
        handle = request.getfixturevalue("sandbox")  # tests/plugins/sandbox.py
    except pytest.FixtureLookupError:
        pytest.skip("the sandbox fixture (tests/plugins/sandbox.py) is not available")
    yield SandboxBackend(handle)
