"""Scenario files: the company to simulate and the problems planted in it.

A scenario is a TOML file (read with the standard library's ``tomllib``). It declares the
size of the run, the company (sites, channels, suppliers, carriers, warehouse staffing,
demand shape) and a list of planted problems, each with the signature that must be
visible in the generated data. The signatures are the ground truth the tests read, and
later the acceptance tests of the analytics.

Every field has a default (``scenarios/default.toml`` spells them out); a scenario file
only names what it changes. Unknown keys and wrong types are refused with the key's path,
so a typo never silently falls back to a default.

>>> scenario = Scenario.from_dict({"days": 14, "orders_per_day": 20})
>>> scenario.days, scenario.orders_per_day, len(scenario.sites)
(14, 20, 2)
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
DEFAULT_SCENARIO = SCENARIOS / "default.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the key and why."""


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    country: str
    currency: str
    time_zone: str
    share: float  # of the orders shipped from this site
    # workers per shift for each warehouse step; 0 sizes the team from the expected load
    order_desk: int = 0
    pickers: int = 0
    packers: int = 0
    shippers: int = 0


@dataclass(frozen=True)
class ChannelSpec:
    code: str
    name: str
    kind: str  # web_store, marketplace, wholesale
    share: float  # of the orders
    daily_spend: float  # marketing spend per day, in the first site's currency
    express_share: float = 0.2  # orders shipped with the fastest service
    lines_mean: float = 1.6  # mean lines per order
    quantity_mean: float = 1.3  # mean units per line


@dataclass(frozen=True)
class SupplierSpec:
    code: str
    name: str
    categories: tuple[str, ...]
    lead_time_days: float
    lead_time_sd: float
    partial_rate: float = 0.08  # deliveries that come in two parts
    reject_rate: float = 0.01  # share of a delivery refused at the door
    payment_terms_days: int = 30


@dataclass(frozen=True)
class CarrierServiceSpec:
    name: str
    transit_days: int
    cost: float  # per parcel, before weight
    cost_per_kg: float = 0.6


@dataclass(frozen=True)
class CarrierSpec:
    code: str
    name: str
    share: float
    services: tuple[CarrierServiceSpec, ...]
    delay_rate: float = 0.05  # parcels a day or more late
    loss_rate: float = 0.002  # parcels never delivered


@dataclass(frozen=True)
class ShiftSpec:
    name: str
    start_hour: int
    end_hour: int
    hourly_cost: float = 22.0


@dataclass(frozen=True)
class PromotionSpec:
    start_day: int
    days: int
    uplift: float
    channel: str = ""


@dataclass(frozen=True)
class DemandSpec:
    trend_per_year: float = 0.12
    weekly: tuple[float, ...] = (1.15, 1.0, 0.95, 0.95, 1.0, 0.95, 1.0)
    yearly_amplitude: float = 0.15
    yearly_peak_day: int = 340
    pareto_alpha: float = 1.1
    repeat_share: float = 0.35
    slow_mover_share: float = 0.3  # the tail of the catalogue with intermittent demand
    promotions: tuple[PromotionSpec, ...] = ()


@dataclass(frozen=True)
class WarehouseSpec:
    shifts: tuple[ShiftSpec, ...] = (
        ShiftSpec("early", 6, 14), ShiftSpec("late", 14, 22),
    )
    working_days: tuple[str, ...] = WEEKDAYS[:6]
    # mean handling minutes per order for each step (log-normal around the mean)
    allocate_minutes: float = 1.0
    pick_minutes: float = 7.0
    check_minutes: float = 1.5
    pack_minutes: float = 5.0
    ship_minutes: float = 1.0
    utilisation: float = 0.7  # planned load of each auto-sized team
    cutoff_hour: int = 14  # orders in before this ship the same day, else the next working day
    replenish_hour: int = 7  # daily min/max review
    min_days: float = 12.0  # reorder point, in days of average demand
    max_days: float = 30.0  # order-up-to level, in days of average demand


@dataclass(frozen=True)
class Problem:
    """A planted problem: what it is, where, and its expected signature."""

    kind: str
    site: str = ""
    weekday: str = ""
    packers: int = 0
    supplier: str = ""
    from_week: int = 0
    extra_days_per_week: float = 0.0
    max_extra_days: float = math.inf  # the drift stops growing there (a year-long run would otherwise add months)
    sku_rank: int = 0  # which item, by popularity (1 = the most popular)
    surge_from_day: int = 0
    surge: float = 1.0
    share: float = 0.0
    team: str = ""
    expect: dict[str, float] = field(default_factory=dict)


KINDS = {"packing_bottleneck", "supplier_lead_time_drift", "imminent_stockout", "address_rework",
         "skipped_quality_check"}


@dataclass(frozen=True)
class Scenario:
    name: str = "Keel demo company"
    seed: int = 7
    days: int = 60
    orders_per_day: int = 40
    start: date | None = None  # default: `days` days before today
    items: int = 80
    sites: tuple[SiteSpec, ...] = (
        SiteSpec("dub", "Dublin fulfillment centre", "IE", "EUR", "Europe/Dublin", 0.65),
        SiteSpec("cmh", "Columbus fulfillment centre", "US", "USD", "America/New_York", 0.35),
    )
    channels: tuple[ChannelSpec, ...] = (
        ChannelSpec("web", "Web store", "web_store", 0.6, 450.0),
        ChannelSpec("marketplace", "Marketplace", "marketplace", 0.3, 150.0, express_share=0.1),
        ChannelSpec("wholesale", "Wholesale", "wholesale", 0.1, 40.0, express_share=0.0, lines_mean=3.0,
                    quantity_mean=4.0),
    )
    suppliers: tuple[SupplierSpec, ...] = (
        SupplierSpec("NORDTEX", "Nordtex Apparel", ("Apparel",), 12, 2.0),
        SupplierSpec("HILLROAST", "Hill Roasters", ("Pantry",), 5, 1.0),
        SupplierSpec("CASAHOME", "Casa Home Goods", ("Home", "Accessories"), 9, 2.5),
    )
    carriers: tuple[CarrierSpec, ...] = (
        CarrierSpec("dhl", "DHL", 0.6, (CarrierServiceSpec("Express", 1, 9.4), CarrierServiceSpec("Economy", 3, 5.1))),
        CarrierSpec("ups", "UPS", 0.4, (CarrierServiceSpec("Express", 1, 10.1), CarrierServiceSpec("Ground", 4, 4.6)),
                    delay_rate=0.08),
    )
    demand: DemandSpec = DemandSpec()
    warehouse: WarehouseSpec = WarehouseSpec()
    problems: tuple[Problem, ...] = ()

    # --- loading -----------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> Scenario:
        """Read a scenario file (the default one without a path) and apply CLI overrides."""
        source = Path(path) if path else DEFAULT_SCENARIO
        try:
            raw = tomllib.loads(source.read_text())
        except FileNotFoundError:
            raise ScenarioError(f"{source}: no such scenario file") from None
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError(f"{source}: not valid TOML ({error})") from None
        raw.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls.from_dict(raw)
        except ScenarioError as error:
            raise ScenarioError(f"{source.name}: {error}") from None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Scenario:
        scenario = _build(cls, raw, "")
        scenario.check()
        return scenario

    def check(self) -> None:
        problems: list[str] = []
        if not 1 <= self.days <= 3660:
            problems.append("days: from 1 to 3660")
        if self.orders_per_day < 1:
            problems.append("orders_per_day: at least 1")
        if self.items < 10:
            problems.append("items: at least 10")
        for label, parts in (("sites", self.sites), ("channels", self.channels), ("carriers", self.carriers)):
            if not parts:
                problems.append(f"{label}: at least one")
            elif abs(sum(part.share for part in parts) - 1.0) > 1e-6:
                problems.append(f"{label}: the shares must add up to 1 (they add up to {sum(p.share for p in parts):g})")
        if len(self.demand.weekly) != 7:
            problems.append("demand.weekly: seven numbers, Monday first")
        site_codes = {site.code for site in self.sites}
        supplier_codes = {supplier.code for supplier in self.suppliers}
        for number, problem in enumerate(self.problems):
            where = f"problems[{number}]"
            if problem.kind not in KINDS:
                problems.append(f"{where}.kind: one of {', '.join(sorted(KINDS))}")
            if problem.site and problem.site not in site_codes:
                problems.append(f"{where}.site: {problem.site!r} is not one of the scenario's sites")
            if problem.supplier and problem.supplier not in supplier_codes:
                problems.append(f"{where}.supplier: {problem.supplier!r} is not one of the scenario's suppliers")
            if problem.weekday and problem.weekday not in WEEKDAYS:
                problems.append(f"{where}.weekday: a day name such as 'monday'")
            if not problem.max_extra_days > 0:
                problems.append(f"{where}.max_extra_days: more than 0 (leave it out for no limit)")
        for shift in self.warehouse.shifts:
            if not 0 <= shift.start_hour < shift.end_hour <= 24:
                problems.append(f"warehouse.shifts: {shift.name} must start before it ends, within the day")
        if problems:
            raise ScenarioError("; ".join(problems))

    def problem(self, kind: str) -> Problem | None:
        return next((problem for problem in self.problems if problem.kind == kind), None)

    def describe(self) -> dict[str, Any]:
        """The scenario as plain data (recorded with each run)."""
        return _plain(self)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _build(kind: type, raw: object, path: str) -> Any:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path or 'scenario'}: expected a table")
    hints = get_type_hints(kind)
    known = {item.name for item in fields(kind)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ScenarioError(f"{path + '.' if path else ''}{unknown[0]}: not a scenario key (known: {', '.join(sorted(known))})")
    values = {name: _convert(hints[name], value, f"{path + '.' if path else ''}{name}") for name, value in raw.items()}
    return kind(**values)


def _convert(hint: Any, value: object, path: str) -> Any:
    origin = get_origin(hint)
    if origin is tuple:
        inner = get_args(hint)[0]
        if not isinstance(value, list):
            raise ScenarioError(f"{path}: expected a list")
        return tuple(_convert(inner, item, f"{path}[{number}]") for number, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ScenarioError(f"{path}: expected a table")
        return {str(key): _convert(float, item, f"{path}.{key}") for key, item in value.items()}
    if hint == date | None:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ScenarioError(f"{path}: a date such as 2026-06-01") from None
    if isinstance(hint, type) and is_dataclass(hint):
        return _build(hint, value, path)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{path}: expected a number")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{path}: expected a whole number")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ScenarioError(f"{path}: expected text")
        return value
    return value
