"""Object-centric logs (OCEL 2.0) seen through one object type at a time.

Flattening picks an object type as the case notion: every object of that type becomes a
case, and an event belongs to every object of that type it is linked to (so one event
can appear in several cases), as in pm4py's ``ocel_flattening``. An event linked to the
same object under several qualifiers counts once.

>>> from datetime import UTC, datetime
>>> from keel.analytics.process_mining.ocel import OcelEvent, OcelLog, OcelObject, Relationship
>>> at = lambda hour: datetime(2024, 1, 1, hour, tzinfo=UTC)
>>> ocel_log = OcelLog(
...     object_types={"order": [], "item": []}, event_types={"place": [], "pick": []},
...     objects=[OcelObject("o1", "order", [], []), OcelObject("i1", "item", [], []),
...              OcelObject("i2", "item", [], [])],
...     events=[
...         OcelEvent("e1", "place", at(8), {}, [Relationship("o1", "order"), Relationship("i1", "item"),
...                                               Relationship("i2", "item")]),
...         OcelEvent("e2", "pick", at(9), {}, [Relationship("o1", "order"), Relationship("i1", "item")]),
...         OcelEvent("e3", "pick", at(10), {}, [Relationship("o1", "order"), Relationship("i2", "item")]),
...     ],
... )
"""

from __future__ import annotations

from typing import Any

import polars as pl

from keel.analytics.process_mining.discovery import frequency_dfg
from keel.analytics.process_mining.log import ACTIVITY, CASE, TIMESTAMP, EventLog
from keel.analytics.process_mining.ocel import OcelLog

__all__ = ["flatten", "object_type_dfgs"]

EVENT_ID = "event_id"


def flatten(ocel_log: OcelLog, object_type: str) -> EventLog:
    """The log with ``object_type`` as the case notion (see the module doc).

    Columns: ``case_id`` (object id), ``activity`` (event type), ``timestamp``,
    ``event_id`` and the event attributes. Raises KeyError for an unknown object type.

    >>> flatten(ocel_log, "item").frame.select("case_id", "activity").rows()
    [('i1', 'place'), ('i1', 'pick'), ('i2', 'place'), ('i2', 'pick')]
    """
    if object_type not in ocel_log.object_types and not any(
        item.type == object_type for item in ocel_log.objects
    ):
        known = ", ".join(sorted(ocel_log.object_types)) or "(none)"
        raise KeyError(f"no object type {object_type!r}; the log has {known}")
    type_of = {item.id: item.type for item in ocel_log.objects}
    attribute_names = sorted(
        {name for event in ocel_log.events for name in event.attributes}
        - {CASE, ACTIVITY, TIMESTAMP, EVENT_ID}
    )
    columns: dict[str, list[Any]] = {
        CASE: [], ACTIVITY: [], TIMESTAMP: [], EVENT_ID: [],
        **{name: [] for name in attribute_names},
    }
    for event in ocel_log.events:
        seen: set[str] = set()
        for link in event.relationships:
            target = link.target_id
            if target in seen or type_of.get(target) != object_type:
                continue
            seen.add(target)
            columns[CASE].append(target)
            columns[ACTIVITY].append(event.type)
            columns[TIMESTAMP].append(event.time)
            columns[EVENT_ID].append(event.id)
            for name in attribute_names:
                columns[name].append(event.attributes.get(name))
    schema: dict[str, Any] = {
        CASE: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC"),
        EVENT_ID: pl.String,
    }
    frame = pl.DataFrame(
        [pl.Series(name, values, dtype=schema.get(name), strict=False)
         for name, values in columns.items()]
    )
    return EventLog.from_frame(frame)


def object_type_dfgs(ocel_log: OcelLog) -> dict[str, pl.DataFrame]:
    """The frequency DFG of each object type, flattened on that type.

    >>> {name: dfg.rows() for name, dfg in object_type_dfgs(ocel_log).items()}
    {'item': [('place', 'pick', 2)], 'order': [('pick', 'pick', 1), ('place', 'pick', 1)]}
    """
    types = sorted(set(ocel_log.object_types) | {item.type for item in ocel_log.objects})
    return {name: frequency_dfg(flatten(ocel_log, name)) for name in types}
