"""Write the simulated company in bulk: benchmark sizes (a million orders, ten million events).

``BulkSink`` produces rows of the same shape as ``ServiceSink`` (the reference for *what*
is written): customers, sales orders and lines with their final quantities and statuses,
allocations, pick lists, packages and shipments, stock movements with posting ids and
the final stock balances, purchase orders with their lines, receipts and receipt lines,
and the OCEL event log (events with the services' activities, attributes, sites and
actors; objects ``<type>:<pk>``; event-to-object links and object-to-object relations
with the services' qualifiers, the ledger's own "Reserve stock", "Ship stock" and
"Receive stock" events included). ``keel check-ledger`` holds on the result.

What differs from the services, and why:

* Master data (sites, people, items, locations, suppliers, channels, carriers, opening
  stock) goes through the services (``ServiceSink.setup``); only the high-volume facts
  are written in bulk.
* No audit records for the bulk facts: benchmark data is not the record of anybody's
  action, and the audit trail would double the volume.
* Primary keys are allocated here (from the tables' current maximum), so rows reference
  each other without a round trip; event ids are ``keel:`` plus the key as 32 hex digits
  and posting ids are ``UUID(int=n)``, so the same seed gives the same rows. Sequences
  are moved past the keys at the end.
* An order's rows are written once, in their final state, when it is delivered or when
  the run ends (rows are inserted, never updated); events, links, objects and movements
  are written as they happen. Rows are buffered and flushed every ``batch_events``
  events: on PostgreSQL with ``COPY ... FROM STDIN`` (as a superuser with
  ``session_replication_role = replica``, which skips the foreign-key triggers: the keys
  are consistent by construction and the tests check them), on SQLite with
  ``executemany`` in one transaction per batch, foreign-key checks and fsync off for the
  run. Each batch is one transaction; the ledger and audit triggers only refuse updates
  and deletes, which this sink never does (balances and a few event objects' sites are
  updated at the end).
* Outside a transaction the batches are written by a second process with its own
  connection (``keel.simulation.sinks.writer``, ADR 15), so that writing overlaps
  simulating on the second core; inside one (a test's) the sink writes them itself.
"""

from __future__ import annotations

import json
import logging
import os
import time as wall
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model

from keel.events.models import (
    Event,
    EventObject,
    EventObjectLink,
    EventType,
    ObjectRelation,
    ObjectType,
)
from keel.orders.models import (
    Allocation,
    Customer,
    Package,
    PackageLine,
    PickList,
    PickListLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
)
from keel.simulation.sinks.service import ADDRESS_STREETS, ServiceSink, SimulationDiverged
from keel.simulation.sinks.writer import (
    EVENT_COLUMNS,
    LINK_COLUMNS,
    Batch,
    BatchWriter,
    Clock,
    connection_params,
    write_batch,
)
from keel.simulation.world import Order, PurchaseOrder, Worker, World
from keel.supply_chain.models import PurchaseOrder as PurchaseOrderRecord
from keel.supply_chain.models import (
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    StockBalance,
    StockMovement,
)
from keel.supply_chain.services import rebuild_stock_summary

# (model, columns): every column is written, since Django's defaults live in Python, not in the schema.
TABLES: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "customer": (Customer, ("id", "code", "name", "email", "country", "channel_id", "is_active", "created_at")),
    "order": (SalesOrder, ("id", "number", "customer_id", "channel_id", "ship_from_id", "customer_reference",
                           "ship_to_address", "currency", "status", "promised_ship_on", "promised_delivery_on",
                           "is_on_hold", "hold_reason", "cancel_reason", "created_by_id", "created_at", "confirmed_at",
                           "last_allocated_at", "cancelled_at")),
    "line": (SalesOrderLine, ("id", "order_id", "line_number", "item_id", "quantity", "unit_price", "price_currency",
                              "allocated_quantity", "picked_quantity", "packed_quantity", "shipped_quantity", "status")),
    "allocation": (Allocation, ("id", "line_id", "location_id", "lot_code", "quantity", "picked_quantity",
                                "shipped_quantity", "released_quantity", "created_at")),
    "pick_list": (PickList, ("id", "order_id", "status", "created_at", "picked_at")),
    "pick_line": (PickListLine, ("id", "pick_list_id", "allocation_id", "line_id", "location_id", "quantity",
                                 "picked_quantity")),
    "shipment": (Shipment, ("id", "order_id", "carrier_service_id", "tracking_number", "shipping_cost",
                            "shipping_cost_currency", "status", "shipped_at", "delivered_at")),
    "shipment_line": (ShipmentLine, ("id", "shipment_id", "line_id", "quantity")),
    "package": (Package, ("id", "order_id", "weight_kg", "shipment_id", "created_at")),
    "package_line": (PackageLine, ("id", "package_id", "line_id", "quantity")),
    "purchase_order": (PurchaseOrderRecord, (
        "id", "number", "supplier_id", "site_id", "currency", "status", "expected_on", "notes", "created_by_id",
        "approved_by_id", "created_at", "submitted_at", "approved_at", "sent_at", "received_at", "closed_at",
        "cancelled_at", "cancel_reason")),
    "purchase_line": (PurchaseOrderLine, ("id", "order_id", "line_number", "item_id", "ordered_quantity", "unit_price",
                                          "currency", "expected_on", "received_quantity", "rejected_quantity")),
    "receipt": (Receipt, ("id", "order_id", "received_at", "received_by_id", "posting", "note")),
    "receipt_line": (ReceiptLine, ("id", "receipt_id", "order_line_id", "location_id", "lot_code", "accepted_quantity",
                                   "rejected_quantity", "is_quality_hold", "open_quantity_before", "unit_price")),
    "movement": (StockMovement, ("id", "posting", "item_id", "location_id", "lot_code", "reason", "quantity",
                                 "reserved_quantity", "occurred_at", "recorded_at", "actor_id", "reference", "note",
                                 "reverses_id")),
    "object": (EventObject, ("id", "ocel_id", "object_type_id", "attribute_values", "site_id")),
    "event": (Event, EVENT_COLUMNS),
    "link": (EventObjectLink, LINK_COLUMNS),
    "relation": (ObjectRelation, ("id", "source_id", "target_id", "qualifier")),
}
# Parents before children, so that every batch is consistent when it commits.
WRITE_ORDER = ("customer", "order", "line", "allocation", "pick_list", "pick_line", "shipment", "shipment_line",
               "package", "package_line", "purchase_order", "purchase_line", "receipt", "receipt_line", "movement",
               "object", "event", "link", "relation")

# Each activity's attribute names and OCEL types, declared on its event type as record_event would.
ACTIVITIES: dict[str, dict[str, str]] = {
    "Create customer": {"code": "string", "country": "string"},
    "Create order": {"number": "string", "lines": "integer", "total": "string", "currency": "string", "channel": "string"},
    "Confirm order": {"number": "string"},
    "Correct address": {"reason": "string"},
    "Reserve stock": {"lines": "integer", "quantity": "string"},
    "Allocate order": {"allocated": "string", "backordered": "string"},
    "Backorder order": {"allocated": "string", "backordered": "string"},
    "Create pick list": {"lines": "integer", "quantity": "string"},
    "Confirm picks": {"picked": "string", "short": "string"},
    "Check quality": {"passed": "boolean", "quantity": "string", "note": "string"},
    "Pack order": {"quantity": "string", "weight_kg": "string"},
    "Ship stock": {"lines": "integer", "quantity": "string"},
    "Ship order": {"carrier": "string", "service": "string", "tracking_number": "string", "shipping_cost": "string",
                   "currency": "string", "quantity": "string"},
    "Confirm delivery": {"tracking_number": "string"},
    "Create purchase order": {"number": "string", "lines": "integer", "total": "string", "currency": "string"},
    "Submit purchase order": {"number": "string", "status": "string"},
    "Approve purchase order": {"number": "string", "status": "string"},
    "Send purchase order": {"number": "string", "status": "string"},
    "Receive stock": {"lines": "integer", "quantity": "string"},
    "Receive purchase order": {"number": "string", "receipt": "integer", "accepted": "string", "rejected": "string",
                               "status": "string"},
    "Work shift": {"shift": "string", "hours": "string", "cost": "string", "currency": "string", "ended_at": "time"},
    "Spend on marketing": {"amount": "string", "currency": "string", "new_customers": "integer"},
}
logger = logging.getLogger(__name__)
# The event log's tables, whose non-unique indexes are built after the load (``defer_indexes``).
DEFERRED_TABLES = ("events_event", "events_eventobjectlink", "events_eventobject", "events_objectrelation")
# For the bulk load only (restored at the end): no foreign-key checks (the keys are consistent by
# construction; the tests check them), no fsync per transaction, a 1 GiB page cache (the index builds sort in it),
# and helper threads for those sorts.
BULK_PRAGMAS = ("PRAGMA foreign_keys = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -1048576",
                f"PRAGMA threads = {min(os.cpu_count() or 1, 4)}")
CORRECTION_REASON = "The carrier could not validate the address"
_json = json.JSONEncoder()
# The same text as ``json.dumps`` with its defaults (what Django's JSONField stores on SQLite), from
# the encoder json builds for each call, built once: a tenth of the time of building the rows.
_iterencode = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, _json.default, json.encoder.encode_basestring_ascii, None,
    _json.key_separator, _json.item_separator, False, False, True,
) if json.encoder.c_make_encoder is not None else None  # type: ignore[attr-defined]


def dumps(value: dict[str, Any]) -> str:
    """``json.dumps(value)``, faster for the many small attribute dictionaries."""
    if _iterencode is None:
        return _json.encode(value)
    return "".join(_iterencode(value, 0))


def quote(value: str) -> str:
    """``json.dumps(value)``: quotes alone around letters and digits."""
    return f'"{value}"' if value.isascii() and value.isalnum() else json.dumps(value)


def cents_text(cents: int) -> str:
    """An amount in cents as ``plain_number`` writes it: ``396.6``, ``12``, ``0.05``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else f"{sign}{whole}"


@dataclass(slots=True)
class _Open:
    """An order still in the building or in transit: its rows are written when it is done."""

    pk: int
    object_pk: int
    line_pks: list[int]
    line_objects: list[int]
    created_at: str
    confirmed_at: str | None
    address: str
    is_draft: bool = False
    last_allocated_at: str | None = None
    # per line: [(allocation pk, quantity, created_at)]
    allocations: list[list[tuple[int, int, str]]] = field(default_factory=list)
    picked: bool = False
    pick_list: tuple[int, int, str] | None = None  # pk, object pk, created_at
    pick_lines: list[tuple[int, int, int, int]] = field(default_factory=list)  # pk, allocation pk, line no, quantity
    picked_at: str | None = None
    package: tuple[int, int, str, str] | None = None  # pk, object pk, weight, created_at
    shipment: tuple[int, int, int, str, str, str] | None = None  # pk, object pk, service pk, tracking, cost, shipped_at
    delivered_at: str | None = None


@dataclass(slots=True)
class _Purchase:
    pk: int
    object_pk: int
    line_pks: list[int]
    created_at: str
    approved_at: str
    sent_at: str
    buyer: int
    approver: int
    received_at: str | None = None
    status: str = "sent"
    receipts: list[tuple[Any, ...]] = field(default_factory=list)
    receipt_lines: list[tuple[Any, ...]] = field(default_factory=list)


class BulkSink(ServiceSink):
    """Buffers the facts as rows and writes them in large batches (see the module docstring)."""

    def __init__(self, *, batch_events: int = 50_000, writer_process: bool | None = None) -> None:
        super().__init__()
        self.batch_events = batch_events
        self.writer_process = writer_process  # None: in a writer process unless a transaction is open
        self.writer: BatchWriter | None = None
        self.batches_handed_over = 0  # to the writer process
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
        self.next: dict[str, int] = {}
        self.is_postgres = connection.vendor == "postgresql"
        self.tz = "+00:00" if self.is_postgres else ""
        self.skip_triggers = False
        self.pragmas_changed = False
        self.event_types: dict[str, int] = {}
        self.object_types: dict[str, int] = {}
        self.known_objects: dict[str, int] = {}
        self.object_sites: dict[int, int | None] = {}
        self.moved_sites: dict[int, int] = {}
        self.customer_pks: list[int] = []
        self.customer_objects: list[int] = []
        self.open_purchases: list[_Purchase] = []
        self.balances: dict[tuple[int, int], list[Any]] = {}
        self.postings = 0
        self.quoted_texts: dict[str, str] = {}
        self.deferred_indexes: list[tuple[str, str]] = []  # (name, definition) dropped for the load
        self.index_seconds = 0.0  # building them again at the end
        self.analyze_seconds = 0.0  # PostgreSQL's planner statistics after a bulk load
        # The event log's rows, compact (see writer.EVENT_COLUMNS and LINK_COLUMNS): events without
        # what follows from their key, links as three columns.
        self.event_rows: list[tuple[Any, ...]] = []
        self.link_events: list[int] = []
        self.link_objects: list[int] = []
        self.link_qualifiers: list[str] = []
        self.origin = datetime.fromtimestamp(0, UTC).replace(tzinfo=None)  # naive UTC; the first day, from setup
        self.clock = Clock(self.origin, self.tz)
        self.flushed_at = 0.0
        self.written: dict[str, int] = dict.fromkeys(TABLES, 0)
        self.flush_seconds = 0.0
        self.writer_waited = 0.0  # of which waiting for the writer process
        self.writer_table_seconds: dict[str, float] = {}  # the writer process's seconds per table

    # --- setup ---------------------------------------------------------------------------

    def setup(self, world: World) -> None:
        super().setup(world)  # master data and opening stock through the services
        self.origin = world.moment(0).replace(tzinfo=None)
        self.clock = Clock(self.origin, self.tz)
        for name, (model, _) in TABLES.items():
            self.next[name] = (model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1
        self.known_objects = dict(EventObject.objects.values_list("ocel_id", "pk"))
        self.object_sites = dict(EventObject.objects.values_list("pk", "site_id"))
        for balance in StockBalance.objects.all():
            self.balances[(balance.item_id, balance.location_id)] = [int(balance.on_hand), int(balance.reserved), None]
        self.item_pks = [self.items[index].pk for index in range(len(world.items))]
        self.item_objects = [self.master("item", pk) for pk in self.item_pks]
        self.items_by_pk = all(first < second for first, second in zip(self.item_pks, self.item_pks[1:], strict=False))
        self.home_pks = {key: location.pk for key, location in self.homes.items()}
        self.home_objects = {key: self.master("location", pk) for key, pk in self.home_pks.items()}
        self.home_sort = {key: (location.zone, location.code) for key, location in self.homes.items()}
        self.site_pks = [site.pk for site in self.sites]
        self.channel_pks = [channel.pk for channel in self.channels]
        self.channel_codes = [channel.code for channel in self.channels]
        self.channel_objects = [self.master("sales_channel", pk) for pk in self.channel_pks]
        self.supplier_pks = [supplier.pk for supplier in self.suppliers]
        self.supplier_objects = [self.master("supplier", pk) for pk in self.supplier_pks]
        self.supplier_currency = [supplier.currency for supplier in self.suppliers]
        self.person_pks = {index: person.pk for index, person in self.people.items()}
        self.service_pks = {key: service.pk for key, service in self.carrier_services.items()}
        if self.is_postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
                self.skip_triggers = bool(row and row[0])
        elif not connection.in_atomic_block:  # these cannot change inside a transaction (a test's)
            self.pragmas_changed = True
            with connection.cursor() as cursor:
                for pragma in BULK_PRAGMAS:
                    cursor.execute(pragma)
        # The writer process has its own connection, which cannot see a transaction that is open
        # here (a test's): then the batches are written in this process.
        separate = not connection.in_atomic_block if self.writer_process is None else self.writer_process
        if separate and not connection.in_atomic_block:
            self.restore_indexes()
            self.defer_indexes()
        if separate:
            self.writer = BatchWriter(connection.vendor, connection_params(
                connection.vendor, connection.settings_dict, connection.get_connection_params()),
                pragmas=BULK_PRAGMAS if not self.is_postgres else (), skip_triggers=self.skip_triggers)

    # --- indexes ---------------------------------------------------------------------------------

    def defer_indexes(self) -> None:
        """Drop the event log's non-unique secondary indexes for the load; ``build_indexes``
        builds them again from their own definitions at the end. Building an index from the
        whole table (one sort) costs a fraction of keeping it up to date row by row, where
        most inserts land on a random page (ADR 22). Unique indexes and primary keys stay."""
        with connection.cursor() as cursor:
            for table in DEFERRED_TABLES:
                if self.is_postgres:
                    cursor.execute(
                        "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s AND t.relnamespace = "
                        "current_schema()::regnamespace AND NOT x.indisunique AND NOT x.indisprimary ORDER BY c.relname",
                        [table])
                else:
                    cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                                   "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name", [table])
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    self.deferred_indexes.append((name, definition))

    def restore_indexes(self) -> list[str]:
        """Create the event log's declared indexes that are missing: a run killed outright
        (no ``finish``, no ``abort``) leaves the indexes it deferred dropped. Returns their names."""
        models = [model for model, _ in TABLES.values() if model._meta.db_table in DEFERRED_TABLES]
        created = []
        editor = connection.schema_editor(collect_sql=True)  # only to word the statements, not entered
        statements = [statement for model in models for statement in editor._model_indexes_sql(model)]  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            existing = {name for table in DEFERRED_TABLES
                        for name in connection.introspection.get_constraints(cursor, table)}
            for statement in statements:
                name = str(statement.parts["name"]).strip('"')
                if name not in existing:
                    cursor.execute(str(statement))
                    created.append(name)
        if created:
            logger.warning("Built the event log's indexes an earlier bulk run left dropped: %s", ", ".join(created))
        return created

    def build_indexes(self) -> None:
        """Build the indexes ``defer_indexes`` dropped (PostgreSQL sorts with parallel workers)."""
        if not self.deferred_indexes:
            return
        began = wall.perf_counter()
        with connection.cursor() as cursor:
            if self.is_postgres:
                cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in self.deferred_indexes:
                cursor.execute(definition)
            if self.is_postgres:
                cursor.execute("RESET maintenance_work_mem")
        self.deferred_indexes = []
        self.index_seconds = wall.perf_counter() - began

    # --- keys, times, objects, events ----------------------------------------------------------

    def take(self, table: str, count: int = 1) -> int:
        first = self.next[table]
        self.next[table] = first + count
        return first

    def stamp(self, t: float) -> str:
        """``t`` minutes since the start as the text Django stores (see ``writer.Clock``)."""
        return self.clock.text(t)

    def event_type(self, activity: str) -> int:
        pk = self.event_types.get(activity)
        if pk is None:
            self.settle()
            kind, _ = EventType.objects.get_or_create(name=activity)
            known = {entry["name"] for entry in kind.attributes}
            missing = [{"name": name, "type": type_} for name, type_ in ACTIVITIES[activity].items() if name not in known]
            if missing:
                kind.attributes = [*kind.attributes, *missing]
                kind.save(update_fields=["attributes"])
            pk = self.event_types[activity] = kind.pk
        return pk

    def object_type(self, name: str) -> int:
        pk = self.object_types.get(name)
        if pk is None:
            self.settle()
            pk = self.object_types[name] = ObjectType.objects.get_or_create(name=name)[0].pk
        return pk

    def settle(self) -> None:
        """Wait for the writer process before writing here (SQLite has one writer at a time)."""
        if self.writer is not None:
            self.writer.drain()

    def new_object(self, kind: str, pk: int, site: int | None) -> int:
        object_pk = self.take("object")
        self.rows["object"].append((object_pk, f"{kind}:{pk}", self.object_type(kind), "[]", site))
        return object_pk

    def master(self, kind: str, pk: int, site: int | None = None) -> int:
        """The object of a master record (item, location, person, ...), created if missing."""
        ocel_id = f"{kind}:{pk}"
        object_pk = self.known_objects.get(ocel_id)
        if object_pk is None:
            object_pk = self.known_objects[ocel_id] = self.new_object(kind, pk, site)
            self.object_sites[object_pk] = site
        elif site is not None:
            self.moved_sites[object_pk] = site
        return object_pk

    def event(self, activity: str, t: float, links: list[tuple[int, str]], attributes: dict[str, Any] | str, *,
              site: int | None = None, actor: int | None = None, department: int | None = None) -> int:
        """Buffer an event and its links; ``attributes`` as a dictionary or as the JSON text
        ``json.dumps`` would give for it (the hot paths write it directly, see ``quoted``)."""
        next_keys = self.next
        pk = next_keys["event"]
        next_keys["event"] = pk + 1
        kind = self.event_types.get(activity) or self.event_type(activity)
        self.event_rows.append((pk, kind, t, attributes if isinstance(attributes, str) else dumps(attributes),
                                site, department, actor))
        objects, qualifiers = zip(*links, strict=True)
        self.link_events += [pk] * len(objects)
        self.link_objects += objects
        self.link_qualifiers += qualifiers
        return pk

    def quoted(self, value: str) -> str:
        """``json.dumps(value)`` for a string from the scenario (codes, names), remembered."""
        text = self.quoted_texts.get(value)
        if text is None:
            text = self.quoted_texts[value] = json.dumps(value)
        return text

    def relate(self, source: int, target: int, qualifier: str) -> None:
        self.rows["relation"].append((self.take("relation"), source, target, qualifier))

    def post(self, t: float, reason: str, activity: str, site: int, actor: int | None, reference: str,
             reference_object: int, note: str, lines: list[tuple[int, int, int, int]]) -> str:
        """A ledger posting: movements (item index, location key site, quantity, reserved)
        and its event, as ``post_movements`` writes them; returns the posting id."""
        self.postings += 1
        # str(UUID(int=...)) on PostgreSQL, its .hex on SQLite, as Django stores a UUIDField
        digits = f"{(0xB0 << 120) | self.postings:032x}"
        posting_text = (f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
                        if self.is_postgres else digits)
        moment = self.stamp(t)
        site_pk = self.site_pks[site]
        rows = self.rows["movement"]
        first = self.take("movement", len(lines))
        total = 0
        items: set[int] = set()
        for number, (item, _, quantity, reserved) in enumerate(lines):
            item_pk, location_pk = self.item_pks[item], self.home_pks[(site, item)]
            rows.append((first + number, posting_text, item_pk, location_pk, "", reason, quantity, reserved, moment,
                         moment, actor, reference, note, None))
            balance = self.balances.get((item_pk, location_pk))
            if balance is None:
                balance = self.balances[(item_pk, location_pk)] = [0, 0, None]
            balance[0] += quantity
            balance[1] += reserved
            balance[2] = moment
            total += quantity
            items.add(item)
        links = [(self.item_objects[item], "moved") for item in sorted(items, key=self.item_pks.__getitem__)]
        links += [(self.home_objects[(site, item)], "at") for item in sorted(items, key=lambda i: self.home_pks[(site, i)])]
        links.append((reference_object, "for"))
        for item in items:
            self.moved_sites[self.item_objects[item]] = site_pk
        quantity_text = f"{total}.0000" if reason == "shipment" else str(total)
        self.event(activity, t, links, f'{{"lines": {len(lines)}, "quantity": "{quantity_text}"}}', site=site_pk, actor=actor)
        return posting_text

    def item_links(self, order: Order, qualifier: str, lines: list[int] | None = None) -> list[tuple[int, str]]:
        if lines is None and self.items_by_pk:  # item keys in catalogue order: sort the indexes
            objects = self.item_objects
            return [(objects[item], qualifier) for item in sorted([line.item for line in order.lines])]
        numbers = range(len(order.lines)) if lines is None else lines
        return [(self.item_objects[order.lines[number].item], qualifier) for number in sorted(
            set(numbers), key=lambda n: self.item_pks[order.lines[n].item])]

    def maybe_flush(self) -> None:
        if len(self.event_rows) >= self.batch_events:
            self.flush()

    # --- orders ----------------------------------------------------------------------

    def order_placed(self, t: float, order: Order) -> None:
        world = self.world
        assert world is not None
        customer = world.customers[order.customer]
        moment = self.stamp(t)
        site_pk = self.site_pks[order.site]
        if customer.index == len(self.customer_pks):
            customer_pk = self.take("customer")
            self.rows["customer"].append((customer_pk, customer.code, customer.name, "", customer.country,
                                          self.channel_pks[customer.channel], True, moment))
            customer_object = self.new_object("customer", customer_pk, None)
            self.customer_pks.append(customer_pk)
            self.customer_objects.append(customer_object)
            self.event("Create customer", t, [(customer_object, "created")],
                       f'{{"code": {self.quoted(customer.code)}, "country": {self.quoted(customer.country)}}}')
        customer_object = self.customer_objects[customer.index]
        pk = self.take("order")
        first_line = self.take("line", len(order.lines))
        line_pks = list(range(first_line, first_line + len(order.lines)))
        order_object = self.new_object("sales_order", pk, site_pk)
        line_objects = [self.new_object("order_line", line_pk, site_pk) for line_pk in line_pks]
        street = ADDRESS_STREETS[(order.index * 7 + customer.index) % len(ADDRESS_STREETS)]
        record = _Open(pk=pk, object_pk=order_object, line_pks=line_pks, line_objects=line_objects, created_at=moment,
                       confirmed_at=moment, address=f"{order.index % 97 + 1} {street}, {customer.country}",
                       allocations=[[] for _ in order.lines])
        order.handle = record
        total = sum(round(line.unit_price * 100) * line.quantity for line in order.lines)
        number = f"SO-{pk:06d}"
        links = [(order_object, "created"), (customer_object, "customer")]
        links += [(line_object, "contains") for line_object in line_objects]
        links += self.item_links(order, "item")
        self.event("Create order", t, links,
                   f'{{"number": "{number}", "lines": {len(order.lines)}, "total": "{total // 100}.{total % 100:02d}", '
                   f'"currency": {self.quoted(order.currency)}, "channel": {self.quoted(self.channel_codes[order.channel])}}}',
                   site=site_pk)
        self.relate(order_object, customer_object, "placed by")
        for line_object in line_objects:
            self.relate(line_object, order_object, "part of")
        self.event("Confirm order", t, [(order_object, "confirmed")], f'{{"number": "{number}"}}', site=site_pk)
        self.maybe_flush()

    def address_corrected(self, t: float, order: Order, worker: Worker) -> None:
        record: _Open = order.handle
        record.address = f"{record.address} (apartment number added)"
        record.is_draft = True
        record.confirmed_at = None
        self.event("Correct address", t, [(record.object_pk, "corrected")], {"reason": CORRECTION_REASON},
                   site=self.site_pks[order.site], actor=self.person_pks[worker.index])

    def order_confirmed(self, t: float, order: Order, worker: Worker) -> None:
        record: _Open = order.handle
        record.is_draft = False
        record.confirmed_at = self.stamp(t)
        self.event("Confirm order", t, [(record.object_pk, "confirmed")], {"number": f"SO-{record.pk:06d}"},
                   site=self.site_pks[order.site], actor=self.person_pks[worker.index])

    def order_allocated(self, t: float, order: Order, worker: Worker, taken: list[int]) -> None:
        record: _Open = order.handle
        actor = self.person_pks[worker.index]
        site, site_pk = order.site, self.site_pks[order.site]
        moment = self.stamp(t)
        touched: list[int] = []
        movements: list[tuple[int, int, int, int]] = []
        allocated = 0
        for number, (line, take) in enumerate(zip(order.lines, taken, strict=True)):
            before = line.allocated - take  # the model has already counted this allocation
            if before < line.quantity:
                touched.append(number)
            if take > 0:
                record.allocations[number].append((self.take("allocation"), take, moment))
                movements.append((line.item, site, 0, take))
                allocated += take
        if movements:
            self.post(t, "reservation", "Reserve stock", site, actor, f"sales_order:{record.pk}", record.object_pk,
                      f"Allocation of SO-{record.pk:06d}", movements)
        record.last_allocated_at = moment
        backordered = sum(line.quantity - line.allocated for line in order.lines)
        links = [(record.object_pk, "allocated" if allocated else "backordered")]
        links += [(record.line_objects[number], "line") for number in touched]
        links += self.item_links(order, "item", touched)
        links += [(self.home_objects[(site, order.lines[number].item)], "from") for number in sorted(
            {number for number, take in enumerate(taken) if take > 0},
            key=lambda n: self.home_pks[(site, order.lines[n].item)])]
        self.event("Allocate order" if allocated else "Backorder order", t, links,
                   f'{{"allocated": "{allocated}", "backordered": "{backordered}"}}', site=site_pk, actor=actor)

    def pick_list_created(self, t: float, order: Order, worker: Worker) -> None:
        record: _Open = order.handle
        site, site_pk = order.site, self.site_pks[order.site]
        to_pick = sorted(((self.home_sort[(site, order.lines[number].item)], number + 1, allocation_pk, number, quantity)
                          for number, allocations in enumerate(record.allocations)
                          for allocation_pk, quantity, _ in allocations))
        pk = self.take("pick_list")
        pick_object = self.new_object("pick_list", pk, site_pk)
        record.pick_list = (pk, pick_object, self.stamp(t))
        first = self.take("pick_line", len(to_pick))
        record.pick_lines = [(first + row, allocation_pk, number, quantity)
                             for row, (_, _, allocation_pk, number, quantity) in enumerate(to_pick)]
        numbers = list(dict.fromkeys(number for _, _, _, number, _ in to_pick))
        links = [(record.object_pk, "picked for"), (pick_object, "created")]
        links += [(record.line_objects[number], "line") for number in numbers]
        links += self.item_links(order, "item", numbers)
        links += [(self.home_objects[(site, order.lines[number].item)], "from") for number in sorted(
            set(numbers), key=lambda n: self.home_pks[(site, order.lines[n].item)])]
        self.event("Create pick list", t, links,
                   f'{{"lines": {len(to_pick)}, "quantity": "{sum(row[4] for row in to_pick)}"}}',
                   site=site_pk, actor=self.person_pks[worker.index])
        self.relate(pick_object, record.object_pk, "picks for")

    def picks_confirmed(self, t: float, order: Order, worker: Worker) -> None:
        record: _Open = order.handle
        assert record.pick_list is not None
        record.picked = True
        record.picked_at = self.stamp(t)
        numbers = list(dict.fromkeys(number for _, _, number, _ in record.pick_lines))
        links = [(record.object_pk, "picked for"), (record.pick_list[1], "picked")]
        links += [(record.line_objects[number], "line") for number in numbers]
        links += self.item_links(order, "item", numbers)
        self.event("Confirm picks", t, links, f'{{"picked": "{sum(row[3] for row in record.pick_lines)}", "short": "0"}}',
                   site=self.site_pks[order.site], actor=self.person_pks[worker.index])

    def quality_checked(self, t: float, order: Order, worker: Worker) -> None:
        record: _Open = order.handle
        links = [(record.object_pk, "checked")] + [(line_object, "line") for line_object in record.line_objects]
        links += self.item_links(order, "item")
        self.event("Check quality", t, links,
                   f'{{"passed": true, "quantity": "{sum(line.quantity for line in order.lines)}", "note": ""}}',
                   site=self.site_pks[order.site], actor=self.person_pks[worker.index])

    def order_packed(self, t: float, order: Order, worker: Worker) -> None:
        record: _Open = order.handle
        site_pk = self.site_pks[order.site]
        pk = self.take("package")
        package_object = self.new_object("package", pk, site_pk)
        weight = f"{order.weight_kg:.2f}"
        record.package = (pk, package_object, weight, self.stamp(t))
        links = [(record.object_pk, "packed"), (package_object, "created")]
        links += [(line_object, "line") for line_object in record.line_objects]
        links += self.item_links(order, "item")
        self.event("Pack order", t, links,
                   f'{{"quantity": "{sum(line.quantity for line in order.lines)}", "weight_kg": "{weight}"}}',
                   site=site_pk, actor=self.person_pks[worker.index])
        self.relate(package_object, record.object_pk, "packed for")

    def order_shipped(self, t: float, order: Order, worker: Worker, tracking: str, cost: float) -> None:
        world = self.world
        assert world is not None
        record: _Open = order.handle
        assert record.package is not None
        actor = self.person_pks[worker.index]
        site, site_pk = order.site, self.site_pks[order.site]
        movements = [(order.lines[number].item, site, -quantity, -quantity)
                     for number, allocations in enumerate(record.allocations) for _, quantity, _ in allocations]
        self.post(t, "shipment", "Ship stock", site, actor, f"sales_order:{record.pk}", record.object_pk,
                  f"Shipment of SO-{record.pk:06d}", movements)
        pk = self.take("shipment")
        shipment_object = self.new_object("shipment", pk, site_pk)
        cost_text = f"{cost:.2f}"
        record.shipment = (pk, shipment_object, self.service_pks[(order.carrier, order.service)], tracking, cost_text,
                           self.stamp(t))
        carrier = world.scenario.carriers[order.carrier]
        links = [(record.object_pk, "shipped"), (shipment_object, "created")]
        links += [(line_object, "line") for line_object in record.line_objects]
        links += self.item_links(order, "item")
        links.append((record.package[1], "shipped"))
        self.event("Ship order", t, links,
                   f'{{"carrier": {self.quoted(carrier.code)}, "service": {self.quoted(carrier.services[order.service].name)}, '
                   f'"tracking_number": {quote(tracking)}, "shipping_cost": "{cost_text}", '
                   f'"currency": {self.quoted(order.currency)}, "quantity": "{sum(line.quantity for line in order.lines)}"}}',
                   site=site_pk, actor=actor)
        self.relate(shipment_object, record.object_pk, "ships")

    def order_delivered(self, t: float, order: Order) -> None:
        record: _Open = order.handle
        assert record.shipment is not None
        record.delivered_at = self.stamp(t)
        self.event("Confirm delivery", t, [(record.object_pk, "delivered"), (record.shipment[1], "delivered")],
                   f'{{"tracking_number": {quote(record.shipment[3])}}}', site=self.site_pks[order.site])
        self.close(order)
        self.maybe_flush()

    def close(self, order: Order) -> None:
        """Write the order's rows in their final state and forget it."""
        record: _Open = order.handle
        order.handle = None
        rows = self.rows
        shipped = record.shipment is not None
        packed = record.package is not None
        lines_status: list[str] = []
        for number, line in enumerate(order.lines):
            allocated = sum(quantity for _, quantity, _ in record.allocations[number])
            picked = allocated if record.picked else 0
            done = line.quantity if shipped else 0
            in_box = line.quantity if packed else 0
            if done >= line.quantity:
                status = "shipped"
            elif in_box >= line.quantity:
                status = "packed"
            elif picked >= line.quantity:
                status = "picked"
            elif allocated >= line.quantity:
                status = "allocated"
            elif allocated > 0:
                status = "partially_allocated"
            else:
                status = "backordered" if record.last_allocated_at else "open"
            lines_status.append(status)
            rows["line"].append((record.line_pks[number], record.pk, number + 1, self.item_pks[line.item], line.quantity,
                                 line.unit_price, order.currency, allocated, picked, in_box, done, status))
            for allocation_pk, quantity, created_at in record.allocations[number]:
                rows["allocation"].append((allocation_pk, record.line_pks[number], self.home_pks[(order.site, line.item)],
                                           "", quantity, quantity if record.picked else 0, quantity if shipped else 0, 0,
                                           created_at))
        ordered = sum(line.quantity for line in order.lines)
        allocated_total = sum(quantity for allocations in record.allocations for _, quantity, _ in allocations)
        if record.is_draft:
            status = "draft"
        elif shipped:
            status = "delivered" if record.delivered_at else "shipped"
        elif packed:
            status = "packed"
        elif record.pick_list is not None:
            status = "picking"
        elif allocated_total >= ordered:
            status = "allocated"
        elif allocated_total > 0:
            status = "partially_allocated"
        else:
            status = "backordered" if record.last_allocated_at else "confirmed"
        world = self.world
        assert world is not None
        rows["order"].append((
            record.pk, f"SO-{record.pk:06d}", self.customer_pks[order.customer], self.channel_pks[order.channel],
            self.site_pks[order.site], f"{world.scenario.channels[order.channel].code.upper()}-{order.index + 100001}",
            record.address, order.currency, status, str(order.promised_ship_on), str(order.promised_delivery_on), False, "", "",
            None, record.created_at, record.confirmed_at, record.last_allocated_at, None))
        if record.pick_list is not None:
            pk, _, created_at = record.pick_list
            rows["pick_list"].append((pk, record.pk, "picked" if record.picked else "open", created_at, record.picked_at))
            for pick_line_pk, allocation_pk, number, quantity in record.pick_lines:
                rows["pick_line"].append((pick_line_pk, pk, allocation_pk, record.line_pks[number],
                                          self.home_pks[(order.site, order.lines[number].item)], quantity,
                                          quantity if record.picked else None))
        shipment_pk = None
        if record.shipment is not None:
            shipment_pk, _, service_pk, tracking, cost, shipped_at = record.shipment
            rows["shipment"].append((shipment_pk, record.pk, service_pk, tracking, cost, order.currency,
                                     "delivered" if record.delivered_at else "in_transit", shipped_at, record.delivered_at))
            first = self.take("shipment_line", len(order.lines))
            rows["shipment_line"] += [(first + number, shipment_pk, record.line_pks[number], line.quantity)
                                      for number, line in enumerate(order.lines)]
        if record.package is not None:
            package_pk, _, weight, created_at = record.package
            rows["package"].append((package_pk, record.pk, weight, shipment_pk, created_at))
            first = self.take("package_line", len(order.lines))
            rows["package_line"] += [(first + number, package_pk, record.line_pks[number], line.quantity)
                                     for number, line in enumerate(order.lines)]

    # --- purchasing ------------------------------------------------------------------

    def purchase_ordered(self, t: float, po: PurchaseOrder, buyer: Worker, approver: Worker) -> None:
        site_pk = self.site_pks[po.site]
        buyer_pk, approver_pk = self.person_pks[buyer.index], self.person_pks[approver.index]
        pk = self.take("purchase_order")
        first = self.take("purchase_line", len(po.lines))
        po_object = self.new_object("purchase_order", pk, site_pk)
        supplier_object = self.supplier_objects[po.supplier]
        record = _Purchase(pk=pk, object_pk=po_object, line_pks=list(range(first, first + len(po.lines))),
                           created_at=self.stamp(t), approved_at=self.stamp(t + 20), sent_at=self.stamp(t + 35),
                           buyer=buyer_pk, approver=approver_pk)
        po.handle = record
        self.open_purchases.append(record)
        number = PurchaseOrderRecord.number_for(pk)
        currency = self.supplier_currency[po.supplier]
        total = sum(round(line.unit_price * 100) * line.quantity for line in po.lines)
        links = [(po_object, "created"), (supplier_object, "supplier")]
        links += [(self.item_objects[item], "ordered") for item in sorted({line.item for line in po.lines},
                                                                          key=self.item_pks.__getitem__)]
        self.event("Create purchase order", t, links,
                   {"number": number, "lines": len(po.lines), "total": cents_text(total), "currency": currency},
                   site=site_pk, actor=buyer_pk)
        self.relate(po_object, supplier_object, "placed with")
        for activity, when, status, actor in (("Submit purchase order", t, "submitted", buyer_pk),
                                              ("Approve purchase order", t + 20, "approved", approver_pk),
                                              ("Send purchase order", t + 35, "sent", buyer_pk)):
            self.event(activity, when, [(po_object, status), (supplier_object, "supplier")],
                       {"number": number, "status": status}, site=site_pk, actor=actor)

    def purchase_received(self, t: float, po: PurchaseOrder, received: list[tuple[int, int, int]], worker: Worker) -> None:
        record: _Purchase = po.handle
        actor = self.person_pks[worker.index]
        site_pk = self.site_pks[po.site]
        number = PurchaseOrderRecord.number_for(record.pk)
        stocked = [(po.lines[line].item, po.site, accepted, 0) for line, accepted, _ in received if accepted > 0]
        posting = None
        if stocked:
            posting = self.post(t, "receipt", "Receive stock", po.site, actor, f"purchase_order:{record.pk}",
                                record.object_pk, f"Receipt against {number}", stocked)
        receipt_pk = self.take("receipt")
        moment = self.stamp(t)
        record.receipts.append((receipt_pk, record.pk, moment, actor, posting, ""))
        first = self.take("receipt_line", len(received))
        for row, (line_number, accepted, rejected) in enumerate(received):
            line = po.lines[line_number]
            # The model has already counted this delivery: what was open before it came.
            open_before = max(line.quantity - (line.received - accepted), 0)
            record.receipt_lines.append((
                first + row, receipt_pk, record.line_pks[line_number],
                self.home_pks[(po.site, line.item)] if accepted > 0 else None, "", accepted, rejected, False,
                open_before, round(line.unit_price, 2)))
        complete = all(line.received >= line.quantity for line in po.lines)
        record.status = "received" if complete else "partially_received"
        record.received_at = moment if complete else None
        links = [(record.object_pk, "received"), (self.supplier_objects[po.supplier], "supplier")]
        links += [(self.item_objects[item], "ordered") for item in sorted({po.lines[line].item for line, _, _ in received},
                                                                          key=self.item_pks.__getitem__)]
        self.event("Receive purchase order", t, links, {
            "number": number, "receipt": receipt_pk, "accepted": str(sum(accepted for _, accepted, _ in received)),
            "rejected": str(sum(rejected for _, _, rejected in received)), "status": record.status},
            site=site_pk, actor=actor)

    # --- labour and marketing ----------------------------------------------------------

    def shift_worked(self, start: float, end: float, worker: Worker, hourly_cost: float) -> None:
        world = self.world
        assert world is not None
        person = self.people[worker.index]
        started_at, ended_at = world.moment(start), world.moment(end)
        hours = Decimal((ended_at - started_at).total_seconds() / 3600).quantize(Decimal("0.01"))
        cost = (hours * Decimal(f"{hourly_cost:.2f}")).quantize(Decimal("0.01"))
        links = [(self.master("person", person.pk, person.site_id), "worked")]
        if person.team_id:
            links.append((self.master("team", person.team_id, person.site_id), "team"))
        self.event("Work shift", start, links, {
            "shift": world.scenario.warehouse.shifts[worker.shift].name, "hours": str(hours), "cost": str(cost),
            "currency": world.scenario.sites[worker.site].currency, "ended_at": ended_at.isoformat()},
            site=person.site_id, department=person.department_id)

    def marketing_spent(self, t: float, channel: int, amount: float, new_customers: int) -> None:
        world = self.world
        assert world is not None
        self.event("Spend on marketing", t, [(self.channel_objects[channel], "channel")],
                   {"amount": f"{amount:.2f}", "currency": world.scenario.sites[0].currency,
                    "new_customers": new_customers})

    # --- writing ---------------------------------------------------------------------

    def finish(self, world: World) -> None:
        for order in world.orders:
            if order.handle is not None:
                self.close(order)
        for record in self.open_purchases:
            self.purchase_rows(record, world)
        self.open_purchases = []
        self.flush()
        if self.writer is not None:
            try:
                self.writer.close()  # every batch written (or the writer's error raised here)
            finally:
                self.writer_waited = self.writer.waited
                self.writer_table_seconds = self.writer.table_seconds
            self.writer = None
        loaded_in_bulk = bool(self.deferred_indexes)  # outside a transaction, by the writer process
        self.build_indexes()
        self.check_stock(world)
        with transaction.atomic():
            StockBalance.objects.bulk_update([
                StockBalance(pk=pk, on_hand=Decimal(on_hand), reserved=Decimal(reserved),
                             updated_at=datetime.fromisoformat(updated_at).replace(tzinfo=UTC))
                for pk, (on_hand, reserved, updated_at) in self.balance_rows()], ["on_hand", "reserved", "updated_at"],
                batch_size=500)
            rebuild_stock_summary()  # postings keep the per-item summary; rows written in bulk do not
            for site in sorted(set(self.moved_sites.values())):
                moved = [pk for pk, to in self.moved_sites.items() if to == site and self.object_sites.get(pk) != site]
                EventObject.objects.filter(pk__in=moved).update(site_id=site)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in TABLES.values()]):
                    cursor.execute(sql)
        if loaded_in_bulk and self.is_postgres:
            # Fresh planner statistics, as PostgreSQL's guide to populating a database advises: without
            # them the first queries on millions of new rows are planned from guesses (autovacuum analyses later).
            began = wall.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(model._meta.db_table)
                                                      for model, _ in TABLES.values()))
            self.analyze_seconds = wall.perf_counter() - began
        self.restore()

    def purchase_rows(self, record: _Purchase, world: World) -> None:
        po = next(po for po in world.purchase_orders if po.handle is record)
        rows = self.rows
        rows["purchase_order"].append((
            record.pk, PurchaseOrderRecord.number_for(record.pk), self.supplier_pks[po.supplier], self.site_pks[po.site],
            self.supplier_currency[po.supplier], record.status, str(po.expected_on), "", record.buyer, record.approver,
            record.created_at, record.created_at, record.approved_at, record.sent_at, record.received_at, None, None, ""))
        rows["purchase_line"] += [
            (record.line_pks[number], record.pk, number + 1, self.item_pks[line.item], line.quantity,
             round(line.unit_price, 2), self.supplier_currency[po.supplier], str(po.expected_on), line.received, line.rejected)
            for number, line in enumerate(po.lines)]
        rows["receipt"] += record.receipts
        rows["receipt_line"] += record.receipt_lines

    def balance_rows(self) -> list[tuple[int, tuple[int, int, str]]]:
        keys = {(b.item_id, b.location_id): b.pk for b in StockBalance.objects.only("id", "item_id", "location_id")}
        changed = []
        for key, (on_hand, reserved, updated_at) in self.balances.items():
            if updated_at is None:
                continue
            if key not in keys:
                raise SimulationDiverged(f"no stock balance for item {key[0]} at location {key[1]}")
            changed.append((keys[key], (on_hand, reserved, updated_at.removesuffix("+00:00"))))
        return changed

    def check_stock(self, world: World) -> None:
        """The balances the rows add up to must be the simulation's own stock."""
        for (site, item), location_pk in self.home_pks.items():
            on_hand, reserved, _ = self.balances.get((self.item_pks[item], location_pk), [0, 0, None])
            if (on_hand, reserved) != (int(world.on_hand[site, item]), int(world.reserved[site, item])):
                raise SimulationDiverged(f"stock of item {item} at site {site}: rows say {on_hand}/{reserved}, "
                                         f"the model {world.on_hand[site, item]}/{world.reserved[site, item]}")

    def flush(self) -> None:
        began = wall.perf_counter()
        recorded_at = str(datetime.now(UTC).replace(tzinfo=None)) + self.tz
        first_link = self.next["link"]
        self.next["link"] += len(self.link_events)
        payloads: dict[str, tuple[Any, str]] = {name: (self.rows[name], "rows") for name in TABLES}
        payloads["event"] = ((recorded_at, self.origin.isoformat(), self.tz, self.event_rows), "events")
        payloads["link"] = ((first_link, self.link_events, self.link_objects, self.link_qualifiers), "links")
        counts = {name: len(self.rows[name]) for name in TABLES}
        counts["event"], counts["link"] = len(self.event_rows), len(self.link_events)
        batch: Batch = [(TABLES[name][0]._meta.db_table, TABLES[name][1], *payloads[name])
                        for name in WRITE_ORDER if counts[name]]
        for name in TABLES:
            self.written[name] += counts[name]
        self.rows = {name: [] for name in TABLES}
        self.event_rows, self.link_events, self.link_objects, self.link_qualifiers = [], [], [], []
        if self.writer is not None:
            self.writer.submit(batch)
            self.batches_handed_over += 1
        else:
            with transaction.atomic():
                write_batch(connection.vendor, connection.connection, batch, skip_triggers=self.skip_triggers)
        self.flush_seconds += wall.perf_counter() - began

    def restore(self) -> None:
        if self.writer is not None:
            self.writer.stop()
            self.writer = None
        if self.pragmas_changed and connection.connection is not None:
            self.pragmas_changed = False
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA foreign_keys = ON")
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default
                cursor.execute("PRAGMA threads = 0")

    def abort(self) -> None:
        super().abort()
        self.rows = {name: [] for name in TABLES}
        self.event_rows, self.link_events, self.link_objects, self.link_qualifiers = [], [], [], []
        self.restore()
        if self.deferred_indexes:  # the schema as the migrations made it, whatever the rows
            try:
                self.build_indexes()
            except Exception:  # the run's own error is the one to report
                logger.exception("Could not build the deferred indexes again: %s",
                                 "; ".join(definition for _, definition in self.deferred_indexes))


