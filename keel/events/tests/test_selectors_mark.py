"""The event log's high-water mark, the cache key of analyses and KPIs."""

from __future__ import annotations

import pytest
from django.db import transaction

from keel.events import selectors, services
from keel.events.services import ObjectRef

pytestmark = pytest.mark.django_db


def test_the_mark_is_zero_on_an_empty_log_and_the_newest_event_id_after() -> None:
    assert selectors.high_water_mark() == 0
    with transaction.atomic():
        first = services.record_event(activity="Mark test", objects=[ObjectRef("order", "SO-1")])
        second = services.record_event(activity="Mark test", objects=[ObjectRef("order", "SO-2")])
    assert selectors.high_water_mark() == second.pk
    assert second.pk > first.pk
