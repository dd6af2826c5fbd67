"""Property: any valid log survives OCEL 2.0 JSON and SQLite round trips unchanged."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keel.events import ocel

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12).map(str.strip).filter(bool)
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0, fold=0))
VALUES = {
    "string": st.text(alphabet="abcdefghij0123456789 -", min_size=1, max_size=10),
    "integer": st.integers(min_value=-(10**9), max_value=10**9),
    "float": st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: round(x, 3)),
    "boolean": st.booleans(),
    "time": TIMES,
}


@st.composite
def logs(draw: st.DrawFn) -> ocel.OcelLog:
    object_type_names = draw(st.lists(NAMES, min_size=1, max_size=3, unique_by=str.lower))
    event_type_names = draw(st.lists(NAMES, min_size=1, max_size=4, unique_by=str.lower))
    object_types = {
        name: [ocel.AttributeDecl(name=f"a{i}", type=kind) for i, kind in enumerate(draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=3)))]
        for name in object_type_names
    }
    event_types = {
        name: [ocel.AttributeDecl(name=f"e{i}", type=kind) for i, kind in enumerate(draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=3)))]
        for name in event_type_names
    }
    objects = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        type_name = draw(st.sampled_from(object_type_names))
        values = []
        for declaration in object_types[type_name]:
            for moment in draw(st.lists(TIMES, max_size=2, unique=True)):
                values.append(ocel.ObjectAttributeValue(name=declaration.name, time=moment, value=draw(VALUES[declaration.type])))
        objects.append(ocel.OcelObject(id=f"o{index}", type=type_name, attributes=values, relationships=[]))
    ids = [item.id for item in objects]
    for item in objects:
        targets = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
        item.relationships = [ocel.Relationship(target_id=target, qualifier="rel") for target in targets]
    events = []
    for index in range(draw(st.integers(min_value=1, max_value=8))):
        type_name = draw(st.sampled_from(event_type_names))
        attributes = {d.name: draw(VALUES[d.type]) for d in event_types[type_name] if draw(st.booleans())}
        targets = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        events.append(ocel.OcelEvent(
            id=f"e{index}", type=type_name, time=draw(TIMES), attributes=attributes,
            relationships=[ocel.Relationship(target_id=target, qualifier=draw(st.sampled_from(["", "x", "y"]))) for target in targets],
        ))
    return ocel.OcelLog(object_types=object_types, event_types=event_types, objects=objects, events=events)


def typed(value: object) -> tuple[str, object]:
    """Compare by type and value: -0.0 equals 0.0 (SQLite stores them alike), True is not 1."""
    return type(value).__name__, value


def normalised(log: ocel.OcelLog) -> tuple[object, ...]:
    return (
        sorted((name, sorted((d.name, d.type) for d in decls)) for name, decls in log.object_types.items()),
        sorted((name, sorted((d.name, d.type) for d in decls)) for name, decls in log.event_types.items()),
        sorted(
            (o.id, o.type, sorted((v.name, v.time, typed(v.value)) for v in o.attributes),
             sorted((r.target_id, r.qualifier) for r in o.relationships))
            for o in log.objects
        ),
        sorted(
            (e.id, e.type, e.time, sorted((k, typed(v)) for k, v in e.attributes.items()),
             sorted((r.target_id, r.qualifier) for r in e.relationships))
            for e in log.events
        ),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=logs())
def test_any_log_round_trips_through_json_and_sqlite(log: ocel.OcelLog) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for name in ("log.jsonocel", "log.sqlite"):
            path = Path(directory) / name
            ocel.write_log(log, path)
            assert normalised(ocel.read_log(path)) == normalised(log)
