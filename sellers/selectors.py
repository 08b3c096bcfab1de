from __future__ import annotations

from sellers.models import Membership, Seller, User


def seller_for_user(*, user: User, seller_id: int | None = None) -> Seller | None:
    """The seller a signed-in user acts for: the one chosen in the session if still a member, else the first."""
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user, seller__is_active=True).select_related("seller")
    if seller_id is not None:
        chosen = memberships.filter(seller_id=seller_id).first()
        if chosen is not None:
            return chosen.seller
    first = memberships.order_by("created_at", "id").first()
    return first.seller if first else None


def sellers_for_user(*, user: User) -> list[Seller]:
    return list(Seller.objects.filter(memberships__user=user, is_active=True).order_by("name"))
