"""The company's master data, drawn deterministically from the seed: the item catalogue
(with a long-tailed popularity), suppliers, warehouse staff sized to the load, and the
names of new customers."""

from __future__ import annotations

import math

import numpy as np

from keel.simulation.world import MINUTES_PER_DAY, Item, Supplier, Worker, World

# category -> (unit, product stems, variants, cost range EUR, margin, weight kg, pack)
CATEGORIES: dict[str, tuple[str, list[str], list[str], tuple[float, float], float, float, int]] = {
    "Apparel": ("each", ["Organic tee", "Hoodie", "Crew sweater", "Rain jacket", "Chino shorts", "Linen shirt"],
                ["black S", "black M", "black L", "white M", "white L", "grey M", "navy M", "navy L", "olive M"],
                (3.5, 22.0), 3.2, 0.35, 10),
    "Accessories": ("each", ["Cap", "Beanie", "Tote bag", "Steel bottle", "Sunglasses", "Wallet"],
                    ["navy", "black", "sand", "forest", "red"], (1.8, 14.0), 3.5, 0.2, 6),
    "Home": ("each", ["Ceramic mug", "Soy candle", "Linen napkins", "Oak board", "Glass carafe", "Throw blanket"],
             ["natural", "charcoal", "white", "terracotta"], (1.5, 24.0), 3.0, 0.8, 4),
    "Pantry": ("kg", ["Coffee beans", "Loose-leaf tea", "Dark chocolate", "Granola", "Olive oil"],
               ["house blend", "single origin", "organic", "decaf"], (4.0, 18.0), 2.4, 1.0, 1),
}
FIRST = ["Aoife", "Lukas", "Maria", "Chen", "Fatima", "Oliver", "Sofia", "Mateo", "Emma", "Noah", "Ava", "Liam",
         "Zara", "Ivan", "Yuki", "Omar", "Lena", "Jonas", "Nora", "Rafael", "Ines", "Kofi", "Mei", "Anya", "Pablo"]
LAST = ["Byrne", "Weber", "Rossi", "Wang", "Haddad", "Smith", "Garcia", "Novak", "Kim", "Murphy", "Silva",
        "Jensen", "Okafor", "Kowalski", "Tanaka", "Dubois", "Brennan", "Costa", "Larsen", "Nguyen", "Fischer"]
COUNTRIES = {"dub": ["IE", "IE", "IE", "GB", "DE", "FR", "NL"], "cmh": ["US", "US", "US", "US", "CA"]}
STEPS = ("order_desk", "picker", "packer", "shipper")
TEAMS = {"order_desk": "Order desk", "picker": "Picking", "packer": "Packing", "shipper": "Shipping",
         "receiver": "Inbound", "support": "Support", "buyer": "Purchasing", "approver": "Purchasing"}


def build_items(world: World) -> None:
    rng = world.rng("catalogue")
    scenario = world.scenario
    combos: list[tuple[str, str, str]] = []
    for category, (_, stems, variants, *_rest) in CATEGORIES.items():
        for stem in stems:
            for variant in variants:
                combos.append((category, stem, variant))
    order = rng.permutation(len(combos))
    if scenario.items > len(combos):
        raise ValueError(f"items: at most {len(combos)} in this catalogue")
    chosen = [combos[number] for number in order[: scenario.items]]
    # Popularity: a Pareto (Zipf-like) law over a random ranking; the tail is intermittent.
    ranks = np.arange(1, scenario.items + 1, dtype=float)
    weights = ranks ** (-scenario.demand.pareto_alpha)
    weights /= weights.sum()
    suppliers_by_category: dict[str, int] = {}
    for supplier in world.suppliers:
        for category in supplier.categories:
            suppliers_by_category.setdefault(category, supplier.index)
    slow_from = round(scenario.items * (1 - scenario.demand.slow_mover_share))
    for index, (category, stem, variant) in enumerate(chosen):
        unit, _, _, (low, high), margin, weight, pack = CATEGORIES[category]
        cost = round(float(rng.uniform(low, high)), 2)
        prefix = "".join(word[0] for word in stem.upper().split())[:3]
        sku = f"{prefix}-{index + 1:04d}"
        supplier_index = suppliers_by_category.get(category, 0)
        world.items.append(Item(
            index=index, sku=sku, name=f"{stem}, {variant}", category=category, unit=unit, cost=cost,
            price=round(cost * margin, 2) - 0.01 if cost * margin > 5 else round(cost * margin, 2),
            weight_kg=round(weight * float(rng.uniform(0.7, 1.3)), 2), supplier=supplier_index, pack=pack,
            moq=pack * int(rng.integers(1, 4)), popularity=float(weights[index]), slow_mover=index >= slow_from,
        ))


def build_suppliers(world: World) -> None:
    for index, spec in enumerate(world.scenario.suppliers):
        world.suppliers.append(Supplier(
            index=index, code=spec.code, name=spec.name, categories=spec.categories,
            lead_time_days=spec.lead_time_days, lead_time_sd=spec.lead_time_sd, partial_rate=spec.partial_rate,
            reject_rate=spec.reject_rate, payment_terms_days=spec.payment_terms_days,
        ))


def team_size(world: World, site: int, role: str) -> int:
    """Workers per shift for a warehouse step: as the scenario says, or sized so the
    expected load keeps each worker busy ``utilisation`` of the shift."""
    spec = world.scenario.sites[site]
    fixed = {"order_desk": spec.order_desk, "picker": spec.pickers, "packer": spec.packers, "shipper": spec.shippers}
    if fixed.get(role):
        return fixed[role]
    warehouse = world.scenario.warehouse
    minutes = {"order_desk": warehouse.allocate_minutes, "picker": warehouse.pick_minutes + warehouse.check_minutes,
               "packer": warehouse.pack_minutes, "shipper": warehouse.ship_minutes}[role]
    working = len(warehouse.working_days)
    orders_per_working_day = world.scenario.orders_per_day * spec.share * 7 / working
    shift_minutes = sum(shift.end_hour - shift.start_hour for shift in warehouse.shifts) * 60
    load = orders_per_working_day * minutes * 1.15  # peaks above the mean
    return max(1, math.ceil(load / (shift_minutes * warehouse.utilisation)))


def build_staff(world: World) -> None:
    rng = world.rng("staff")
    shifts = world.scenario.warehouse.shifts

    def person(site: int, role: str, shift: int, seat: int) -> Worker:
        code = world.scenario.sites[site].code
        name = f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"
        index = len(world.workers)
        worker = Worker(index=index, name=name, email=f"{role.replace('_', '-')}-{code}-{index + 1:03d}@staff.example",
                        site=site, team=TEAMS[role], shift=shift, role=role, seat=seat)
        world.workers.append(worker)
        return worker

    for site in range(len(world.scenario.sites)):
        for role in STEPS:
            size = team_size(world, site, role)
            for shift in range(len(shifts)):
                for seat in range(size):
                    person(site, role, shift, seat)
        person(site, "receiver", 0, 0)
        person(site, "support", 0, 0)
        person(site, "buyer", 0, 0)
        person(site, "approver", 0, 0)


def customer_name(rng: np.random.Generator) -> str:
    return f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"


def minutes(days: float) -> float:
    return days * MINUTES_PER_DAY
