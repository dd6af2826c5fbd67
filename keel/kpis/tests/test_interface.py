"""The interface part B builds on: visible_kpis(), tiles(), kpi_url()."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from keel.kpis.catalogue import CATALOGUE
from keel.kpis.selectors import kpi_url, tiles, visible_kpis
from keel.organization.models import Person

pytestmark = pytest.mark.django_db


def test_a_kpi_of_an_area_not_built_shows_no_data_yet(admin: Person) -> None:
    tile = tiles(actor=admin, keys=["csat"])["csat"]
    assert (tile.value, tile.display, tile.no_data, tile.status) == (None, "no data yet", True, "none")
    assert tile.reason == "the customer service area is not built yet"


def test_visible_kpis_follow_each_kpis_action(make_person: Callable[..., Person]) -> None:
    # Director of Supply Chain: supply chain manage, customer service none.
    director = make_person("director-of-supply-chain")
    keys = [spec.key for spec in visible_kpis(actor=director)]
    assert "fill_rate" in keys
    assert "csat" not in keys
    assert keys == [key for key in CATALOGUE if key in keys]
    assert "csat" not in tiles(actor=director, keys=["csat", "fill_rate", "no_such_kpi"])


def test_anonymous_sees_nothing() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert visible_kpis(actor=AnonymousUser()) == []
    assert tiles(actor=AnonymousUser(), keys=["orders"]) == {}


def test_kpi_url_is_the_drill_down() -> None:
    assert kpi_url("otif") == "/kpis/otif/"
