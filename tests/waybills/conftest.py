import pytest
from django.core.cache import cache

from tests.factories import make_account, make_seller_user


@pytest.fixture
def account(sandbox, settings):
    cache.clear()  # e.g. a courier-list failure remembered by an earlier test
    settings.LOTTEON_BASE_URL = sandbox.url
    settings.LOTTEON_RETRY_BASE_DELAY = 0.01
    settings.LOTTEON_READ_TIMEOUT = 1.0
    settings.SMARTSHIP_ORDER_LOOKBACK_DAYS = 2
    seller, user = make_seller_user(name="스마트십 데모상점")
    acct = make_account(seller=seller, api_key=sandbox.DEMO_KEY, account_number=sandbox.DEMO_TR_NO)
    acct.user = user
    return acct
