"""LotteON shipping for the adapter: tracking push (137 step 13), corrections (139), couriers (89)."""


class ShippingMixin:
    """Mixed into LotteonAdapter; uses ``self.client`` (integrations.lotteon.client.LotteOnClient)."""
