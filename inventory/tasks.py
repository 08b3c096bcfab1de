from celery import shared_task


@shared_task(ignore_result=True)
def run_import(import_id: int) -> None:
    """Read, check and apply one stored SKU upload (nothing happens unless it is still queued)."""
    from inventory.services.imports import sku_import_run

    sku_import_run(import_id=import_id)


@shared_task(ignore_result=True)
def check_links(seller_id: int, sku_ids: list[int], actor_id: int | None = None) -> None:
    """Look many SKUs up at the seller's sales sites (Check LotteON link on a selection)."""
    from inventory.services.links import sku_links_check
    from sellers.models import Seller, User

    seller = Seller.objects.filter(pk=seller_id).first()
    if seller is not None:
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        sku_links_check(seller=seller, sku_ids=sku_ids, actor=actor)
