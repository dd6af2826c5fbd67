"""Receiving under parallel clients: the order row lock keeps over-receipt impossible.

Given a sent order for 500 bolts, when ten API clients each receive 120 at once (1200 in
all), then exactly four receipts are accepted (480), every other one is refused as an
over-receipt, and the line, the receipts, the ledger and the balance all say 480.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from keel.organization.models import Person, Site
from keel.supply_chain import services
from keel.supply_chain.models import (
    Item,
    Location,
    Receipt,
    StockBalance,
    StockMovement,
    Supplier,
    SupplierItem,
)
from keel.supply_chain.services import OrderLineIn


@pytest.mark.django_db(transaction=True)
def test_parallel_receipts_never_over_receive(
    buyer: Person, approver: Person, api_client: Callable[..., Client], site_dublin: Site, acme: Supplier,
    acme_bolt: SupplierItem, bolt: Item, bin_a: Location,
) -> None:
    order = services.create_purchase_order(actor=buyer, supplier=acme, site=site_dublin,
                                           lines=[OrderLineIn(item=bolt, quantity=Decimal(500))])
    services.submit_purchase_order(actor=buyer, order=order)
    services.approve_purchase_order(actor=approver, order=order)
    services.send_purchase_order(actor=buyer, order=order)
    headers = api_client(buyer).defaults
    workers = 10
    start = threading.Barrier(workers)

    def receive(number: int) -> int:
        try:
            start.wait()
            response = Client(**headers).post(
                f"/api/v1/purchase-orders/{order.pk}/receipts",
                {"lines": [{"line": 1, "quantity": "120", "location": "A-01"}]},
                content_type="application/json", headers={"Idempotency-Key": f"dn-{number}"},
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses: Counter[Any] = Counter(pool.map(receive, range(workers)))
    assert statuses == Counter({201: 4, 422: 6})
    line = order.lines.get()
    assert (line.received_quantity, Receipt.objects.count()) == (Decimal(480), 4)
    assert StockMovement.objects.filter(reference=f"purchase_order:{order.pk}").count() == 4
    assert StockBalance.objects.get(item=bolt, location=bin_a).on_hand == Decimal(480)
    order.refresh_from_db()
    assert order.status == "partially_received"
    assert services.check_ledger() == []
