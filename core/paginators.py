"""Pages of a list that only grows (API calls, shipped fulfilment orders): count what a reader can reach.

Counting every row to print "Page 1 of 8,000" costs as much as the history is long, while the reader looks at
the first pages. ``CappedPaginator`` counts up to ``limit`` rows (as the Orders search does, ``COUNT_LIMIT``),
or one page past the page asked for when that is further, and says whether there were more (``limited``): the
page then shows "Page 1 of 40+" or "1–50 of 1,000+", and Next still leads on, one page at a time.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_LIMIT = 1000  # as the Orders search (orders.selectors.COUNT_LIMIT)


class CappedPaginator(Paginator):
    """A paginator of a queryset whose ``count`` stops at the rows a reader can reach from the page asked for."""

    limit = COUNT_LIMIT

    def __init__(self, object_list, per_page, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.reach = self.limit

    def get_page(self, number):
        try:
            wanted = max(1, int(number))
        except (TypeError, ValueError):
            wanted = 1
        # One page past the one asked for, so that its Next link is offered whenever there is more.
        self.reach = max(self.limit, (wanted + 1) * self.per_page)
        return super().get_page(number)

    @cached_property
    def counted(self) -> int:
        # Unordered: any index that finds the rows will do for counting them.
        return self.object_list.order_by()[:self.reach + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.reach)

    @property
    def limited(self) -> bool:
        """More rows than counted: the page shows the count with a "+"."""
        return self.counted > self.reach
