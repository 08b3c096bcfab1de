"""LotteON as a sales site: its registry entry and the adapter composed from the client."""

from __future__ import annotations

from django.conf import settings

from integrations.base import AdapterConfig, Capability, ConnectionResult, SalesSite, SetupGuide
from integrations.lotteon.client import LotteOnClient, RetryPolicy

LOTTEON = SalesSite(
    key="lotteon",
    name="LotteON",
    logo="img/sites/lotteon.svg",
    adapter_path="integrations.lotteon.adapter.LotteonAdapter",
    capabilities=frozenset(Capability),
    # The supplier number (거래처번호) LotteON issues: LO or LD followed by digits (API.md §2, §8).
    account_number_pattern=r"L[OD]\d{6,12}",
    account_number_help="Shown at the top left of the LotteON store center (거래처번호): LO or LD and digits, "
    "e.g. LO10000001.",
    api_key_help="Issued in the LotteON store center under Seller Information ▸ Open API Management.",
    guide=SetupGuide(
        steps=(
            "Log in to the LotteON store center and open Seller Information ▸ Open API Management.",
            'Under "How to interlock", select both "hosting/selling tools" and "direct input".',
            "In server IP registration, enter the SmartShip server IPs below, separated by semicolons.",
            "Press [Save]: LotteON shows the API key. Copy it into API Key here.",
            "Enter your Shop ID (the store-center seller ID) and the Account Number shown at the top left "
            "of the store center.",
        ),
        ip_instructions="Server IPs to register (direct input)",
    ),
)


class LotteonAdapter:
    site = LOTTEON

    def __init__(self, config: AdapterConfig) -> None:
        self.config = config
        self.client = LotteOnClient(
            config.api_key,
            base_url=config.base_url or settings.LOTTEON_BASE_URL,
            tr_no=config.account_number,
            account=config.label or config.shop_id,
            on_call=config.on_call,
            **({"retry": RetryPolicy(max_attempts=1), "read_timeout": 15.0} if config.interactive else {}),
        )

    def test_connection(self) -> ConnectionResult:
        identity = self.client.test_connection(self.config.account_number)
        return ConnectionResult(supplier_number=identity.tr_no, supplier_name=identity.tr_nm)

    def close(self) -> None:
        self.client.close()
