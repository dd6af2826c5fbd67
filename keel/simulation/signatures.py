"""The planted problems, measured in the generated data.

Each scenario problem declares an expected signature (its ``expect`` table). These
functions measure it from what the system of record holds (the operations event log,
the ledger, purchase orders and receipts), never from the simulator's own memory, so
they check that the problem is visible to anyone who analyses the data. The tests run
them; the process-mining, planning and KPI areas must find the same problems.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Min, Sum

from keel.events.models import EventObjectLink
from keel.orders.models import SalesOrderLine
from keel.organization.models import Person, Site
from keel.simulation.scenario import WEEKDAYS, Problem, Scenario
from keel.supply_chain.models import Item, PurchaseOrder, Receipt, StockBalance


@dataclass
class Signature:
    kind: str
    holds: bool
    summary: str
    figures: dict[str, float] = field(default_factory=dict)


def order_events(activities: list[str], site: Site | None = None) -> dict[int, list[tuple[datetime, str, int | None]]]:
    """Per sales order (by key), its events among ``activities``: (time, activity, actor), in time order."""
    links = EventObjectLink.objects.filter(object__object_type__name="sales_order",
                                           event__event_type__name__in=activities)
    if site is not None:
        links = links.filter(event__site_id=site.pk)
    by_order: dict[int, list[tuple[datetime, str, int | None]]] = defaultdict(list)
    for ocel_id, occurred_at, activity, actor_id in links.values_list(
            "object__ocel_id", "event__occurred_at", "event__event_type__name", "event__actor_id").order_by(
            "event__occurred_at", "event_id"):
        by_order[int(ocel_id.split(":", 1)[1])].append((occurred_at, activity, actor_id))
    return by_order


def packing_bottleneck(problem: Problem) -> Signature:
    site = Site.objects.get(code=problem.site)
    zone = ZoneInfo(site.time_zone)
    weekday = WEEKDAYS.index(problem.weekday)
    on_day: list[float] = []
    other: list[float] = []
    for events in order_events(["Confirm picks", "Check quality", "Pack order"], site).values():
        packed = next((time for time, activity, _ in events if activity == "Pack order"), None)
        if packed is None:
            continue
        ready = max((time for time, activity, _ in events if activity != "Pack order" and time <= packed), default=None)
        if ready is None:
            continue
        hours = (packed - ready).total_seconds() / 3600
        (on_day if ready.astimezone(zone).weekday() == weekday else other).append(hours)
    if not on_day or not other:
        return Signature(problem.kind, False, f"no packed orders at {site.code} to compare")
    ratio = float(np.mean(on_day) / np.mean(other))
    wanted = problem.expect.get("waiting_ratio_min", 1.0)
    return Signature(problem.kind, ratio >= wanted,
                     f"{site.code}: mean wait before packing {np.mean(on_day):.1f} h on {problem.weekday.title()}s, "
                     f"{np.mean(other):.1f} h other days ({ratio:.1f}x; expected at least {wanted:g}x)",
                     {"ratio": ratio, "on_day_hours": float(np.mean(on_day)), "other_hours": float(np.mean(other)),
                      "on_day_orders": len(on_day), "other_orders": len(other)})


def supplier_lead_time_drift(problem: Problem, start: date) -> Signature:
    first_receipts = dict(Receipt.objects.filter(order__supplier__code=problem.supplier).values("order_id")
                          .annotate(first=Min("received_at")).values_list("order_id", "first"))
    drift_from = datetime.combine(start + timedelta(weeks=problem.from_week), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    settled = drift_from + timedelta(weeks=2)
    before: list[float] = []
    after: list[float] = []
    for pk, sent_at in PurchaseOrder.objects.filter(supplier__code=problem.supplier, sent_at__isnull=False).values_list(
            "pk", "sent_at"):
        if pk not in first_receipts or sent_at is None:
            continue
        days = (first_receipts[pk] - sent_at).total_seconds() / 86400
        if sent_at < drift_from:
            before.append(days)
        elif sent_at >= settled:
            after.append(days)
    if not before or not after:
        return Signature(problem.kind, False, f"{problem.supplier}: not enough receipts before and after week {problem.from_week}")
    increase = float(np.mean(after) - np.mean(before))
    wanted = problem.expect.get("increase_days_min", 0.0)
    return Signature(problem.kind, increase >= wanted,
                     f"{problem.supplier}: lead time {np.mean(before):.1f} days before week {problem.from_week}, "
                     f"{np.mean(after):.1f} days from week {problem.from_week + 2} (+{increase:.1f}; expected at least +{wanted:g})",
                     {"before_days": float(np.mean(before)), "after_days": float(np.mean(after)), "increase_days": increase,
                      "before_orders": len(before), "after_orders": len(after)})


def surge_sku(scenario: Scenario, problem: Problem) -> str:
    """The planted item: the catalogue is drawn from the seed alone, so it can be rebuilt."""
    from keel.simulation.catalogue import build_items, build_suppliers
    from keel.simulation.sinks.memory import CountingSink
    from keel.simulation.world import World

    world = World(scenario=scenario, sink=CountingSink(), start=date(2000, 1, 1))
    build_suppliers(world)
    build_items(world)
    return world.items[problem.sku_rank - 1].sku


def imminent_stockout(scenario: Scenario, problem: Problem, start: date) -> Signature:
    sku = surge_sku(scenario, problem)
    item = Item.objects.get(sku=sku)
    end = datetime.combine(start + timedelta(days=scenario.days), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    surge_day = problem.surge_from_day % scenario.days if problem.surge_from_day < 0 else problem.surge_from_day
    surge_at = end - timedelta(days=scenario.days - surge_day)
    lines = SalesOrderLine.objects.filter(item=item)
    recent = float(lines.filter(order__created_at__gte=end - timedelta(days=14)).aggregate(q=Sum("quantity"))["q"] or 0) / 14
    before = float(lines.filter(order__created_at__lt=surge_at).aggregate(q=Sum("quantity"))["q"] or 0) / max(surge_day, 1)
    balances = StockBalance.objects.filter(item=item).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    available = float((balances["on_hand"] or 0) - (balances["reserved"] or 0))
    cover = available / recent if recent else float("inf")
    ratio = recent / before if before else float("inf")
    most = max(problem.expect.get("days_of_cover_max", 14.0), 0)
    wanted = problem.expect.get("demand_ratio_min", 1.0)
    return Signature(problem.kind, cover <= most and ratio >= wanted,
                     f"{sku}: {available:g} available, {recent:.1f} a day over the last two weeks ({ratio:.1f}x before the surge) "
                     f"= {cover:.1f} days of cover (expected at most {most:g})",
                     {"available": available, "daily_demand": recent, "days_of_cover": cover, "demand_ratio": ratio})


def address_rework(problem: Problem) -> Signature:
    events = order_events(["Create order", "Confirm order", "Correct address"])
    orders = len(events)
    corrected = [activities for activities in ([a for _, a, _ in evs] for evs in events.values())
                 if "Correct address" in activities]
    looped = sum(1 for activities in corrected if activities.count("Confirm order") >= 2)
    share = len(corrected) / orders if orders else 0.0
    low, high = problem.expect.get("share_min", 0.0), problem.expect.get("share_max", 1.0)
    return Signature(problem.kind, low <= share <= high and looped == len(corrected) and orders > 0,
                     f"{len(corrected):,} of {orders:,} orders had their address corrected ({share:.1%}; expected "
                     f"{low:.0%} to {high:.0%}); {looped:,} of them were confirmed twice",
                     {"share": share, "corrected": len(corrected), "orders": orders, "confirmed_twice": looped})


def skipped_quality_check(problem: Problem) -> Signature:
    site = Site.objects.get(code=problem.site)
    team = set(Person.objects.filter(team__name=problem.team, team__site=site).values_list("pk", flat=True))
    skipped = checked_elsewhere = team_orders = other_orders = 0
    for events in order_events(["Confirm picks", "Check quality", "Pack order"]).values():
        activities = [activity for _, activity, _ in events]
        if "Pack order" not in activities:
            continue
        picker = next((actor for _, activity, actor in events if activity == "Confirm picks"), None)
        if picker in team:
            team_orders += 1
            skipped += "Check quality" not in activities
        else:
            other_orders += 1
            checked_elsewhere += "Check quality" in activities
    share = skipped / team_orders if team_orders else 0.0
    others = checked_elsewhere / other_orders if other_orders else 0.0
    wanted = problem.expect.get("skipped_share_min", 1.0)
    return Signature(problem.kind, team_orders > 0 and share >= wanted and others == 1.0,
                     f"{problem.site} {problem.team}: {skipped:,} of {team_orders:,} packed orders had no quality check "
                     f"({share:.0%}); every other team checked {checked_elsewhere:,} of {other_orders:,} ({others:.0%})",
                     {"skipped_share": share, "team_orders": team_orders, "others_checked_share": others})


def check_signatures(scenario: Scenario, *, start: date) -> list[Signature]:
    results: list[Signature] = []
    for problem in scenario.problems:
        if problem.kind == "packing_bottleneck":
            results.append(packing_bottleneck(problem))
        elif problem.kind == "supplier_lead_time_drift":
            results.append(supplier_lead_time_drift(problem, start))
        elif problem.kind == "imminent_stockout":
            results.append(imminent_stockout(scenario, problem, start))
        elif problem.kind == "address_rework":
            results.append(address_rework(problem))
        elif problem.kind == "skipped_quality_check":
            results.append(skipped_quality_check(problem))
    return results
