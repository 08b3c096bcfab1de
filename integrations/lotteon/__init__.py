"""LotteON Seller Open API: client (HTTP), mappers (pure), records, code tables, KST time windows.

The sales-site adapter (``adapter.py``, written separately) composes these; nothing here touches
Django.
"""

from integrations.lotteon.client import DEFAULT_BASE_URL, LotteOnClient, RetryPolicy
from integrations.lotteon.records import (
    CallRecord,
    CancellationLine,
    ConfirmLine,
    Courier,
    DeliveryState,
    Identity,
    InvoiceCorrection,
    ItemResult,
    LineKey,
    LineResult,
    OrderLine,
    Product,
    ProductDetail,
    ProductOption,
    ProductPage,
    ProgressUpdate,
    Resolution,
    SaleStatusChange,
    StockChange,
    WriteResult,
)
from integrations.lotteon.timeutil import KST, Window, day_window, split_days

__all__ = [
    "DEFAULT_BASE_URL",
    "KST",
    "CallRecord",
    "CancellationLine",
    "ConfirmLine",
    "Courier",
    "DeliveryState",
    "Identity",
    "InvoiceCorrection",
    "ItemResult",
    "LineKey",
    "LineResult",
    "LotteOnClient",
    "OrderLine",
    "Product",
    "ProductDetail",
    "ProductOption",
    "ProductPage",
    "ProgressUpdate",
    "Resolution",
    "RetryPolicy",
    "SaleStatusChange",
    "StockChange",
    "Window",
    "WriteResult",
    "day_window",
    "split_days",
]
