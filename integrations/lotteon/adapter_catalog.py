"""LotteON products and stock for the adapter: product list/detail (93/94), stock (86), sale status (111)."""


class CatalogMixin:
    """Mixed into LotteonAdapter; uses ``self.client`` (integrations.lotteon.client.LotteOnClient)."""
