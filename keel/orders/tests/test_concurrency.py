"""Allocation under parallel clients: the last units go to one order only, never two."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from keel.orders import services
from keel.orders.models import Allocation, SalesOrder, SalesOrderLine
from keel.supply_chain.models import Item, Location, StockBalance
from keel.supply_chain.services import check_ledger


@pytest.mark.django_db(transaction=True)
def test_parallel_allocations_never_reserve_more_than_is_there(
    make_order: Callable[..., SalesOrder], bolt: Item, bin_a: Location, bin_b: Location, receive: Callable[..., None],
) -> None:
    # Given 10 bolts over two bins and eight orders of 3 each (24 wanted)
    receive(bolt, bin_a, 6)
    receive(bolt, bin_b, 4)
    orders = [make_order((bolt, 3)) for _ in range(8)]

    def allocate(order: SalesOrder) -> Decimal:
        try:
            return services.allocate_order(actor=None, order=order).allocated
        finally:
            connection.close()

    # When all eight are allocated at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        allocated = list(pool.map(allocate, orders))
    # Then exactly the 10 on the shelf are reserved, and the books agree everywhere
    assert sum(allocated, Decimal(0)) == Decimal(10)
    assert sum(b.reserved for b in StockBalance.objects.filter(item=bolt)) == Decimal(10)
    assert sum(a.quantity for a in Allocation.objects.all()) == Decimal(10)
    assert sum(line.allocated_quantity for line in SalesOrderLine.objects.all()) == Decimal(10)
    assert check_ledger() == []
    statuses = sorted(SalesOrder.objects.values_list("status", flat=True))
    assert statuses.count("allocated") == 3
    assert set(statuses) <= {"allocated", "partially_allocated", "backordered"}
