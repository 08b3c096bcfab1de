"""confirm_requests: which lines 210 is sent for (the sync and the Confirm button both ask it)."""

from __future__ import annotations

import pytest

from integrations.base import LineRef
from orders.models import ConfirmState, LineStatus
from orders.services.confirm import confirm_requests
from tests.factories import make_account, make_seller_user
from tests.orders.factories import make_line, make_order

pytestmark = pytest.mark.django_db


def test_only_new_unconfirmed_lines_of_this_account_and_not_wholly_cancelled_ones():
    seller, _ = make_seller_user()
    account = make_account(seller=seller)
    other_account = make_account(seller=seller, account_number="LO10000002", shop_id="second")
    order = make_order(seller=seller, account=account, lines=[{"quantity": 2}, {"quantity": 1}, {"quantity": 3}])
    first, cancelled, partly = order.lines.order_by("line_no")
    confirmed = make_line(order, line_no="4", confirm_state=ConfirmState.CONFIRMED)
    shipped = make_line(order, line_no="5", status=LineStatus.SHIPPED)
    elsewhere = make_order(seller=seller, account=other_account).lines.get()
    ids = [first.pk, cancelled.pk, partly.pk, confirmed.pk, shipped.pk, elsewhere.pk]

    lines, requests = confirm_requests(account=account, line_ids=ids, cancelled={
        LineRef(order.order_no, cancelled.line_no, cancelled.process_seq): (1, 1),
        LineRef(order.order_no, partly.line_no, partly.process_seq): (1, 3),
    })

    assert sorted(line.pk for line in lines) == [first.pk, partly.pk]
    assert {request.ref for request in requests} == {line.ref for line in lines}
    first_target = next(line for line in lines if line.pk == first.pk)
    assert (first_target.order_id, first_target.ref.order_no, first_target.quantity, first_target.instructed_at) == (
        order.pk, order.order_no, 2, order.instructed_at)
    assert confirm_requests(account=other_account, line_ids=ids)[0][0].pk == elsewhere.pk
