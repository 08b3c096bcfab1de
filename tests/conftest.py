import pytest

pytest_plugins = ["tests.plugins.sandbox", "tests.plugins.browser", "tests.plugins.worker"]


@pytest.fixture
def other_site():
    """Registers OtherSite (tests/othersite), a second marketplace that only pulls orders, for one test."""
    from integrations import registry
    from tests import othersite

    othersite.reset_orders()
    registry.register(othersite.OTHERSITE)
    yield othersite
    registry._sites.pop(othersite.OTHERSITE.key, None)
