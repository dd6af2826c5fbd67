"""Hypothesis stateful test: the ledger behaves like a simple in-memory model of stock."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from keel.core.errors import ValidationFailed
from keel.supply_chain import services
from keel.supply_chain.models import ItemStock, StockBalance, StockMovement
from keel.supply_chain.services import MovementLine

RUNS = itertools.count()
KEYS = [(item, place) for item in range(2) for place in range(2)]
SIZES = st.integers(min_value=1, max_value=20)


class LedgerMachine(RuleBasedStateMachine):
    """Model: per (item, location) an on-hand and reserved number; a move is refused when
    it would leave less available than zero or a negative reservation."""

    @initialize()
    def setup(self) -> None:
        from keel.organization.models import Site

        run = next(RUNS)
        # one location at each of two sites, so a site's summary differs from the company's
        self.sites = [Site.objects.create(code=f"model-{run}-{n}", name="Model site", country="IE", currency="EUR")
                      for n in range(2)]
        self.items = [services.create_item(actor=None, sku=f"M{run}-{n}", name="Model item") for n in range(2)]
        self.places = [services.create_location(actor=None, site=self.sites[n], code=f"L{n}") for n in range(2)]
        self.model: dict[tuple[int, int], list[int]] = {key: [0, 0] for key in KEYS}
        self.postings: list[tuple[Any, list[tuple[tuple[int, int], int, int]]]] = []

    def post(self, reason: str, changes: list[tuple[tuple[int, int], int, int]]) -> None:
        trial = {key: list(value) for key, value in self.model.items()}
        for key, on_hand, reserved in changes:
            trial[key][0] += on_hand
            trial[key][1] += reserved
        allowed = all(trial[key][1] >= 0 and trial[key][0] - trial[key][1] >= 0 for key, _, _ in changes)
        lines = [
            MovementLine(item=self.items[key[0]], location=self.places[key[1]],
                         quantity=Decimal(on_hand), reserved_quantity=Decimal(reserved))
            for key, on_hand, reserved in changes
        ]
        try:
            posting = services.post_movements(actor=None, reason=reason, lines=lines)
        except ValidationFailed:
            assert not allowed, (reason, changes, self.model)
            return
        assert allowed, (reason, changes, self.model)
        self.model = trial
        self.postings.append((posting.posting_id, changes))

    @rule(key=st.sampled_from(KEYS), size=SIZES)
    def receive(self, key: tuple[int, int], size: int) -> None:
        self.post("receipt", [(key, size, 0)])

    @rule(key=st.sampled_from(KEYS), size=SIZES, consume=st.booleans())
    def ship(self, key: tuple[int, int], size: int, consume: bool) -> None:
        reserved = -min(size, self.model[key][1]) if consume else 0
        self.post("shipment", [(key, -size, reserved)])

    @rule(key=st.sampled_from(KEYS), size=SIZES)
    def reserve(self, key: tuple[int, int], size: int) -> None:
        self.post("reservation", [(key, 0, size)])

    @rule(key=st.sampled_from(KEYS), size=SIZES)
    def release(self, key: tuple[int, int], size: int) -> None:
        self.post("release", [(key, 0, -size)])

    @rule(source=st.sampled_from(KEYS), size=SIZES)
    def transfer_within_posting(self, source: tuple[int, int], size: int) -> None:
        target = (source[0], 1 - source[1])
        self.post("adjustment", [(source, -size, 0), (target, size, 0)])

    @precondition(lambda self: bool(self.postings))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(min_value=0, max_value=len(self.postings) - 1))
        posting_id, changes = self.postings.pop(index)
        trial = {key: list(value) for key, value in self.model.items()}
        for key, on_hand, reserved in changes:
            trial[key][0] -= on_hand
            trial[key][1] -= reserved
        allowed = all(trial[key][1] >= 0 and trial[key][0] - trial[key][1] >= 0 for key, _, _ in changes)
        try:
            services.reverse_posting(actor=None, posting_id=posting_id)
        except ValidationFailed:
            assert not allowed
            return
        assert allowed
        self.model = trial

    @invariant()
    def balances_match_the_model(self) -> None:
        if not hasattr(self, "items"):
            return
        for (item, place), (on_hand, reserved) in self.model.items():
            row = StockBalance.objects.filter(item=self.items[item], location=self.places[place]).first()
            actual = (row.on_hand, row.reserved) if row else (Decimal(0), Decimal(0))
            assert actual == (Decimal(on_hand), Decimal(reserved))

    @invariant()
    def summaries_match_the_model(self) -> None:
        if not hasattr(self, "items"):
            return
        for item in range(2):
            expected = {None: [0, 0]}
            for place in range(2):
                on_hand, reserved = self.model[(item, place)]
                expected[self.sites[place].pk] = [on_hand, reserved]
                expected[None][0] += on_hand
                expected[None][1] += reserved
            rows = {row.site_id: row for row in ItemStock.objects.filter(item=self.items[item])}
            for site_id, (on_hand, reserved) in expected.items():
                row = rows.get(site_id)
                actual = (row.on_hand, row.reserved, row.available) if row else (Decimal(0), Decimal(0), Decimal(0))
                assert actual == (Decimal(on_hand), Decimal(reserved), Decimal(on_hand - reserved)), (item, site_id)
            assert None in rows  # the company-wide row exists from the item's creation

    @invariant()
    def ledger_is_consistent(self) -> None:
        assert services.check_ledger() == []

    def teardown(self) -> None:
        if hasattr(self, "items"):
            assert StockMovement.objects.filter(item__in=self.items).count() >= len(self.postings)


@pytest.mark.django_db
def test_the_ledger_behaves_like_the_model() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=25, stateful_step_count=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
