"""Where process logs come from: a registry of sources, each turning data into one event table.

A *source* is a named process log that the screens and the API can analyse. Keel
registers two built-in sources on its own operations event log (OCEL 2.0, flattened on
one object type as the case notion):

- ``order-fulfillment``: "Order fulfillment", one case per sales order;
- ``purchasing``: "Purchasing", one case per purchase order.

Adding a source type (for example a log imported from another system, read from a file
or a stored frame) takes one call::

    register(ProcessSource(
        slug="import-42",
        name="Claims handling (imported)",
        case_label="claim",
        load=lambda actor: frame_for_import_42(actor),    # -> polars.DataFrame, see below
        version=lambda: "import-42:v3",                    # changes whenever the data changes
        scope_key=lambda actor: "company",                  # what part of the log the actor sees
        is_visible=lambda actor: actor.has_action("processes.view_process"),
    ))

The interface every source fulfils:

``load(actor) -> polars.DataFrame``
    One row per event, already scoped to what ``actor`` may see, with the columns
    ``case_id`` (string), ``activity`` (string), ``timestamp`` (``Datetime`` in UTC, or
    naive meaning UTC), and optionally ``event_pk`` (Int64: the Keel event's id, for the
    case timeline; null for imported events), ``resource`` (who did it), ``team``,
    ``site`` (the case's site code), ``channel``, ``supplier`` and any other string
    columns. Every column listed in ``case_attributes`` is a case attribute: the filters
    offer its values and keep the cases that have the value.

``version() -> str``
    A cheap fingerprint of the data; cached analyses are reused while it is unchanged.
    Keel's own log uses :func:`keel.events.selectors.high_water_mark` (ids only grow).

``scope_key(actor) -> str``
    What distinguishes one actor's view from another's ("company", or the sorted site and
    department ids): cached frames are keyed on it, so actors never share a cached frame
    they should not see.

``is_visible(actor) -> bool``
    Whether the process is listed for this actor at all.

The analyses themselves (:mod:`keel.processes.analysis`) only ever see the frame, so a
source needs nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform

from keel.events.models import EventObjectLink, ObjectRelation
from keel.events.selectors import high_water_mark
from keel.organization.models import Person, Site
from keel.processes.permissions import VIEW_PROCESS
from keel.supply_chain.models import Supplier

__all__ = [
    "ProcessSource",
    "UnknownProcess",
    "available",
    "get",
    "keel_log_scope_key",
    "register",
]

FRAME_SCHEMA: dict[str, Any] = {
    "case_id": pl.String,
    "activity": pl.String,
    "timestamp": pl.Datetime("us", "UTC"),
    "event_pk": pl.Int64,
    "resource": pl.String,
    "team": pl.String,
    "site": pl.String,
    "time_zone": pl.String,
    "channel": pl.String,
    "supplier": pl.String,
}


class UnknownProcess(LookupError):
    """No process with that slug, or not one the actor may see."""


@dataclass(frozen=True, slots=True)
class ProcessSource:
    """A process log the screens can analyse; see the module doc for the interface."""

    slug: str
    name: str
    case_label: str
    load: Callable[[Any], pl.DataFrame]
    version: Callable[[], str]
    scope_key: Callable[[Any], str]
    is_visible: Callable[[Any], bool]
    description: str = ""
    case_attributes: tuple[str, ...] = ("site",)
    case_url: Callable[[str], str | None] = field(default=lambda case_id: None)


_REGISTRY: dict[str, ProcessSource] = {}


def register(source: ProcessSource) -> ProcessSource:
    """Add (or replace) a source; returns it so that modules can keep a reference."""
    _REGISTRY[source.slug] = source
    return source


def get(slug: str, *, actor: Any) -> ProcessSource:
    """The source ``slug`` if the actor may see it; :class:`UnknownProcess` otherwise.

    Besides the registered sources, ``log-<id>`` names a finished imported log (one query).
    """
    source = _REGISTRY.get(slug)
    number = slug.removeprefix(IMPORTED_PREFIX)
    if source is None and slug.startswith(IMPORTED_PREFIX) and number.isdigit() and _may_view(actor):
        from keel.processes.selectors import ready_imported_logs

        log = ready_imported_logs(actor=actor).filter(pk=int(number)).first()
        source = imported_source(log) if log is not None else None
    if source is None or not source.is_visible(actor):
        raise UnknownProcess(slug)
    return source


def available(*, actor: Any) -> list[ProcessSource]:
    """The sources the actor may analyse: built-in first, in registration order, then the
    finished imported logs, newest first (one query)."""
    found = [source for source in _REGISTRY.values() if source.is_visible(actor)]
    if _may_view(actor):
        from keel.processes.selectors import ready_imported_logs

        found += [imported_source(log) for log in ready_imported_logs(actor=actor).order_by("-pk")]
    return found


# --- Logs imported from other systems ----------------------------------------------------

IMPORTED_PREFIX = "log-"


def imported_source(log: Any) -> ProcessSource:
    """A finished ImportedLog as a source: its stored Parquet frame, the same for everyone
    who may view processes (an imported log belongs to no site), versioned by its file."""
    from keel.processes.imports import imported_frame

    def load(actor: Any) -> pl.DataFrame:
        frame = imported_frame(log)
        return frame.with_columns(pl.col("timestamp").dt.cast_time_unit("us").dt.convert_time_zone("UTC"))

    storage = log.storage_name
    return ProcessSource(
        slug=f"{IMPORTED_PREFIX}{log.pk}",
        name=f"{log.name} (imported)",
        case_label="case",
        description=(f"Imported from {log.filename}: {log.event_count:,} events, {log.case_count:,} cases"
                     + (f", case notion {log.case_notion}" if log.case_notion else "") + "."),
        load=load,
        version=lambda: f"{IMPORTED_PREFIX}{log.pk}:{storage}",
        scope_key=lambda actor: "company",
        is_visible=_may_view,
        case_attributes=(),
    )


# --- Keel's own event log ---------------------------------------------------------------


def keel_log_scope_key(actor: Any) -> str:
    """The actor's data scope as a cache-key part: "company", or its sites and departments."""
    reach = actor.reach()
    if reach.is_company_wide:
        return "company"
    sites = ",".join(str(pk) for pk in sorted(reach.site_ids))
    departments = ",".join(str(pk) for pk in sorted(reach.department_ids))
    return f"s{sites}/d{departments}"


def _may_view(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False)
                and actor.has_action(VIEW_PROCESS.code))


def _keel_version() -> str:
    return f"events:{high_water_mark()}"


def load_object_log(*, actor: Any, object_type: str, with_supplier: bool = False) -> pl.DataFrame:
    """Keel's event log flattened on ``object_type``, scoped to the actor's sites/departments.

    A constant number of queries whatever the size: the event-to-object links of that
    type with their events (one query), the sites and the people's teams (one each), and
    for purchase orders the supplier of each order (one). An event linked to the same
    object under two qualifiers counts once, as in the engine's flattening.
    """
    links = EventObjectLink.objects.filter(object__object_type__name=object_type)
    if not _may_view(actor):
        links = links.none()
    reach = actor.reach()
    if not reach.is_company_wide:
        # The same rule as Event.objects.restrict (an event in one of the actor's sites or
        # departments), written on the join: SQLite plans "event IN (subquery)" badly.
        condition = Q(pk__in=[])
        if reach.site_ids:
            condition |= Q(event__site_id__in=sorted(reach.site_ids))
        if reach.department_ids:
            condition |= Q(event__department_id__in=sorted(reach.department_ids))
        links = links.filter(condition)
    rows = (
        links.annotate(channel=KeyTextTransform("channel", "event__attributes"))
        .order_by("event__occurred_at", "event_id", "object_id")
        .values_list("object__ocel_id", "event__event_type__name", "event__occurred_at", "event_id",
                     "event__actor_id", "object__site_id", "channel")
        .distinct()
    )
    columns: dict[str, list[Any]] = {name: [] for name in
                                      ("case_id", "activity", "timestamp", "event_pk", "actor_id", "site_id", "channel")}
    for row in rows:
        for name, value in zip(columns, row, strict=True):
            columns[name].append(value)
    frame = pl.DataFrame(columns, schema={
        "case_id": pl.String, "activity": pl.String, "timestamp": pl.Datetime("us", "UTC"),
        "event_pk": pl.Int64, "actor_id": pl.Int64, "site_id": pl.Int64, "channel": pl.String,
    })
    sites = pl.DataFrame(
        list(Site.objects.values_list("pk", "code", "time_zone")),
        schema={"site_id": pl.Int64, "site": pl.String, "time_zone": pl.String}, orient="row",
    )
    actor_ids = sorted({int(pk) for pk in frame.get_column("actor_id").drop_nulls().unique().to_list()})
    people = pl.DataFrame(
        list(Person.objects.filter(pk__in=actor_ids).values_list("pk", "full_name", "team__name"))
        if actor_ids else [],
        schema={"actor_id": pl.Int64, "resource": pl.String, "team": pl.String}, orient="row",
    )
    frame = (
        frame.join(sites, on="site_id", how="left")
        .join(people, on="actor_id", how="left")
        # The channel is an attribute of the order's "Create order" event: spread it to the case.
        .with_columns(pl.col("channel").drop_nulls().first().over("case_id"))
    )
    supplier = pl.lit(None, dtype=pl.String)
    if with_supplier:
        placed = list(
            ObjectRelation.objects.filter(source__object_type__name=object_type,
                                          target__object_type__name="supplier")
            .filter(Q(source__ocel_id__in=frame.get_column("case_id").unique().to_list()))
            .values_list("source__ocel_id", "target__ocel_id")
        ) if frame.height else []
        supplier_pks = {int(target.split(":", 1)[1]) for _, target in placed}
        codes = dict(Supplier.objects.filter(pk__in=supplier_pks).values_list("pk", "code")) if supplier_pks else {}
        by_case = {source: codes.get(int(target.split(":", 1)[1]), target) for source, target in placed}
        mapping = pl.DataFrame({"case_id": list(by_case), "supplier": list(by_case.values())},
                               schema={"case_id": pl.String, "supplier": pl.String})
        frame = frame.join(mapping, on="case_id", how="left")
        supplier = pl.col("supplier")
    return frame.select(
        "case_id", "activity", "timestamp", "event_pk", "resource", "team", "site", "time_zone", "channel",
        supplier.alias("supplier"),
    )


def _case_number_url(prefix: str) -> Callable[[str], str | None]:
    def url(case_id: str) -> str | None:
        _, _, pk = case_id.partition(":")
        return f"{prefix}{pk}/" if pk.isdigit() else None

    return url


ORDER_FULFILLMENT = register(ProcessSource(
    slug="order-fulfillment",
    name="Order fulfillment",
    case_label="sales order",
    description="Every sales order from creation to delivery, from Keel's own event log.",
    load=lambda actor: load_object_log(actor=actor, object_type="sales_order"),
    version=_keel_version,
    scope_key=keel_log_scope_key,
    is_visible=_may_view,
    case_attributes=("site", "channel"),
    case_url=_case_number_url("/orders/"),
))

PURCHASING = register(ProcessSource(
    slug="purchasing",
    name="Purchasing",
    case_label="purchase order",
    description="Every purchase order from draft to receipt and close, from Keel's own event log.",
    load=lambda actor: load_object_log(actor=actor, object_type="purchase_order", with_supplier=True),
    version=_keel_version,
    scope_key=keel_log_scope_key,
    is_visible=_may_view,
    case_attributes=("site", "supplier"),
    case_url=_case_number_url("/supply-chain/purchase-orders/"),
))
