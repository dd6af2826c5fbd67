"""Write the bulk sink's batches in a second process, so that writing overlaps simulating.

The simulation is one Python thread; the machine has a second core. A writer *thread*
does not help: SQLite's ``executemany`` gives up the GIL for every row and then waits up
to the interpreter's switch interval to get it back while the simulation holds it, and
psycopg formats COPY rows in Python. A writer *process* has its own interpreter and its
own database connection (``python -m keel.simulation.sinks.writer``). The sink pickles each batch into a file (a tmpfs under
``/dev/shm`` where there is one) and sends its path; the writer loads it, writes it in
one transaction and answers on its standard output. At most ``BatchWriter.pending_max`` batches wait, so memory
stays bounded and the simulation waits when the database is slower.

This module imports no Django (the process runs only this module);
``write_batch`` is also what the sink calls on its own connection when it writes in the
simulation's process (inside a transaction, as in the tests).
"""

from __future__ import annotations

import json
import marshal
import math
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

# One batch: (table, columns, payload, encoding) per table, parents before children. Encodings:
# "rows": a list of tuples in the columns' order; "plain": the same, every value a number or a string
# without tabs, newlines or backslashes (COPY text as is); "events" and "links": the event log's two
# largest tables in a compact form that ``expand`` turns into rows here, so that the simulating
# process neither builds nor pickles what follows from a key (see ``EVENT_COLUMNS``, ``LINK_COLUMNS``).
Batch = list[tuple[str, tuple[str, ...], Any, str]]
# "events" payload: (recorded_at, origin, zone suffix, [(id, event_type_id, minutes since the origin,
# attributes, site_id, department_id, actor_id), ...]); the OCEL id is "keel:" and the key as 32 hex
# digits, the time is the origin plus the minutes (``Clock``), the source is "keel".
EVENT_COLUMNS = ("id", "ocel_id", "event_type_id", "occurred_at", "attributes", "site_id", "department_id",
                 "actor_id", "source", "recorded_at")
# "links" payload: (first id, event ids, object ids, qualifiers), three columns of one length; the
# ids run from the first one up.
LINK_COLUMNS = ("id", "event_id", "object_id", "qualifier")


# "HH:MM:SS" for every second of a day.
CLOCK = [f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}" for second in range(86_400)]


def minute_micros(minutes: float) -> int:
    """``timedelta(minutes=minutes)`` in microseconds, rounded as timedelta rounds a float
    (whole minutes exactly, then the fraction's microseconds, the rest half to even), for
    ``minutes >= 0``."""
    fraction, whole = math.modf(minutes)
    micros = int(whole) * 60_000_000
    if fraction:
        fraction, whole = math.modf(60_000_000.0 * fraction)
        micros += int(whole)
        if fraction > 0.5 or (fraction == 0.5 and micros & 1):
            micros += 1
    return micros


class Clock:
    """Minutes since ``origin`` (a naive UTC datetime) as the text Django stores for a
    DateTimeField: ``str(origin + timedelta(minutes=t)) + zone`` (zone "+00:00" on
    PostgreSQL, nothing on SQLite), in a third of the time when the origin is a midnight:
    the same microseconds by timedelta's own rounding, the text from tables."""

    def __init__(self, origin: datetime, zone: str) -> None:
        self.origin, self.zone = origin, zone
        self.midnight = origin.time() == datetime.min.time()
        self.days: list[str] = []  # "YYYY-MM-DD " per day since the origin
        self.last: tuple[float, str] = (math.nan, "")  # the last time and its text (NaN equals nothing)

    def text(self, t: float) -> str:
        last_t, text = self.last
        if t == last_t:
            return text
        if t < 0 or not self.midnight:
            text = str(self.origin + timedelta(minutes=t)) + self.zone
        else:
            day, micro = divmod(minute_micros(t), 86_400_000_000)
            second, micro = divmod(micro, 1_000_000)
            days = self.days
            while day >= len(days):
                days.append(str(self.origin.date() + timedelta(days=len(days))) + " ")
            text = ("%s%s.%06d%s" % (days[day], CLOCK[second], micro, self.zone) if micro  # noqa: UP031 (faster)
                    else days[day] + CLOCK[second] + self.zone)
        self.last = (t, text)
        return text


def expand(payload: Any, encoding: str) -> Iterable[tuple[Any, ...]]:
    """A table's rows from its payload."""
    if encoding == "events":
        recorded_at, origin, zone, rows = payload
        stamp = Clock(datetime.fromisoformat(origin), zone).text
        return ((pk, f"keel:{pk:032x}", kind, stamp(t), attributes, site, department, actor, "keel", recorded_at)
                for pk, kind, t, attributes, site, department, actor in rows)
    if encoding == "links":
        first, events, objects, qualifiers = payload
        return zip(range(first, first + len(events)), events, objects, qualifiers, strict=True)
    return payload


def write_batch(vendor: str, raw: Any, batch: Batch, *, skip_triggers: bool,
                seconds: dict[str, float] | None = None) -> None:
    """Write one batch on a DB-API connection (``raw``) inside the caller's transaction:
    PostgreSQL ``COPY ... FROM STDIN``, SQLite ``executemany``; adds each table's time
    to ``seconds``."""
    seconds = {} if seconds is None else seconds
    if vendor == "postgresql":
        with raw.cursor() as cursor:
            if skip_triggers:  # foreign keys are consistent by construction; the tests check them
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL synchronous_commit = off")
            for table, columns, payload, encoding in batch:
                began = time.perf_counter()
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    if encoding == "links":  # numbers and plain qualifiers: COPY text as is
                        first, events, objects, qualifiers = payload
                        copy.write("".join([f"{pk}\t{event}\t{obj}\t{qualifier}\n" for pk, event, obj, qualifier in zip(
                            range(first, first + len(events)), events, objects, qualifiers, strict=True)]))
                    elif encoding == "plain":
                        copy.write("".join(["\t".join(map(str, row)) + "\n" for row in payload]))
                    else:
                        write = copy.write_row
                        for row in expand(payload, encoding):
                            write(row)
                seconds[table] = seconds.get(table, 0.0) + time.perf_counter() - began
    else:
        for table, columns, payload, encoding in batch:
            began = time.perf_counter()
            marks = ", ".join("?" for _ in columns)
            raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 (fixed names)
                            expand(payload, encoding))
            seconds[table] = seconds.get(table, 0.0) + time.perf_counter() - began


def dump(batch: Batch, path: Path) -> None:
    """Write a batch to a file for the writer process: the link columns pickled (pickle writes
    long lists of small numbers fastest), everything else with ``marshal`` (five times faster
    than pickle for lists of tuples of numbers and strings), each behind its length."""
    links = [payload for _, _, payload, encoding in batch if encoding == "links"]
    rest = marshal.dumps([(table, columns, None if encoding == "links" else payload, encoding)
                          for table, columns, payload, encoding in batch])
    pickled = pickle.dumps(links, protocol=pickle.HIGHEST_PROTOCOL)
    with open(path, "wb") as file:
        file.write(len(pickled).to_bytes(8, "little"))
        file.write(pickled)
        file.write(rest)


def load(path: Path) -> Batch:
    """The batch ``dump`` wrote (a file of the parent process's, in its private folder)."""
    with open(path, "rb") as file:
        size = int.from_bytes(file.read(8), "little")
        links = iter(pickle.loads(file.read(size)))  # noqa: S301 (written by the parent process)
        rest = marshal.loads(file.read())  # noqa: S302 (written by the parent process)
    return [(table, tuple(columns), next(links) if encoding == "links" else payload, encoding)
            for table, columns, payload, encoding in rest]


def _connect(vendor: str, params: dict[str, Any], pragmas: tuple[str, ...]) -> Any:
    if vendor == "postgresql":
        import psycopg

        return psycopg.connect(**params)
    sqlite3.register_adapter(Decimal, str)  # as Django does
    raw = sqlite3.connect(params["database"], timeout=params.get("timeout", 30), isolation_level=None,
                          uri=bool(params.get("uri")))
    for pragma in pragmas:
        raw.execute(pragma)
    return raw


def serve(lines: Any = None, answers: Any = None) -> None:
    """The writer process: read its settings, then write each batch file it is sent and
    answer with a JSON line: the error (or null) and the seconds per table so far."""
    lines = lines or sys.stdin
    answers = answers or sys.stdout
    settings = json.loads(lines.readline())
    vendor, skip_triggers = settings["vendor"], settings["skip_triggers"]
    raw = _connect(vendor, settings["params"], tuple(settings["pragmas"]))
    error: str | None = None
    seconds: dict[str, float] = {}
    try:
        for line in lines:
            path = line.strip()
            if not path:
                break
            try:
                if error is None:
                    batch = load(Path(path))
                    if vendor == "postgresql":
                        with raw.transaction():
                            write_batch(vendor, raw, batch, skip_triggers=skip_triggers, seconds=seconds)
                    else:
                        raw.execute("BEGIN IMMEDIATE")
                        try:
                            write_batch(vendor, raw, batch, skip_triggers=skip_triggers, seconds=seconds)
                        except BaseException:
                            raw.execute("ROLLBACK")
                            raise
                        began = time.perf_counter()
                        raw.execute("COMMIT")
                        seconds["commit"] = seconds.get("commit", 0.0) + time.perf_counter() - began
                    del batch
            except Exception:
                error = traceback.format_exc()
            finally:
                Path(path).unlink(missing_ok=True)
            answers.write(json.dumps({"error": error, "seconds": seconds}) + "\n")
            answers.flush()
    finally:
        raw.close()


def remove_orphans(place: Path) -> list[Path]:
    """Remove the batch folders of bulk runs whose process no longer exists (a run killed
    outright leaves its folder, and its last batches, in shared memory); returns them."""
    removed = []
    for folder in place.glob("keel-bulk-*"):
        pid = folder.name.removeprefix("keel-bulk-").split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and Path("/proc/self").exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class WriterFailed(RuntimeError):
    """The writer process could not write a batch (its traceback is the message)."""


class BatchWriter:
    """The simulation's end of the writer process (see the module docstring)."""

    pending_max = 6

    def __init__(self, vendor: str, params: dict[str, Any], *, pragmas: tuple[str, ...] = (),
                 skip_triggers: bool = False) -> None:
        shm = Path("/dev/shm")  # noqa: S108 (mkdtemp: a new private folder)
        place = shm if shm.is_dir() else Path(tempfile.gettempdir())
        remove_orphans(place)
        self.folder = Path(tempfile.mkdtemp(prefix=f"keel-bulk-{os.getpid()}-", dir=place))
        # A fresh interpreter running only this module: no inherited connections, no Django.
        self.process = subprocess.Popen(  # noqa: S603 (this interpreter, this module)
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.requests, self.answers = self.process.stdin, self.process.stdout
        self._send(json.dumps({"vendor": vendor, "params": params, "pragmas": list(pragmas),
                               "skip_triggers": skip_triggers}))
        self.pending = 0
        self.sent = 0
        self.waited = 0.0  # seconds the simulation spent waiting for batches to be written
        self.table_seconds: dict[str, float] = {}  # the writer's seconds per table (and commit), so far

    def _send(self, line: str) -> None:
        try:
            self.requests.write(line + "\n")
            self.requests.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WriterFailed(f"the writer process ended (exit code {self.process.poll()})") from exc

    def _answer(self) -> None:
        began = time.perf_counter()
        line = self.answers.readline()
        self.waited += time.perf_counter() - began
        if not line:
            raise WriterFailed(f"the writer process ended (exit code {self.process.wait()})")
        self.pending -= 1
        answer = json.loads(line)
        self.table_seconds = answer["seconds"]
        if answer["error"] is not None:
            raise WriterFailed(answer["error"])

    def submit(self, batch: Batch) -> None:
        """Hand a batch over; waits while ``pending_max`` batches are not yet written."""
        while self.pending >= self.pending_max:
            self._answer()
        self.sent += 1
        path = self.folder / f"batch-{self.sent}.batch"
        dump(batch, path)
        self._send(str(path))
        self.pending += 1

    def drain(self) -> None:
        """Wait until every batch handed over is written (raises the writer's error)."""
        while self.pending:
            self._answer()

    def close(self) -> None:
        """Wait for every batch, end the process."""
        try:
            self.drain()
        finally:
            self.stop()

    def stop(self) -> None:
        """End the process (after the batches it is writing; the answers are not read)."""
        if self.process.poll() is None:
            try:
                self.requests.write("\n")
                self.requests.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.process.wait(timeout=300)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.answers.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.pending = 0


def connection_params(vendor: str, settings: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """What the writer process needs to open its own connection to the same database."""
    if vendor == "postgresql":
        keys = {"dbname": settings["NAME"], "user": settings.get("USER"), "password": settings.get("PASSWORD"),
                "host": settings.get("HOST"), "port": settings.get("PORT")}
        return {key: value for key, value in keys.items() if value not in (None, "")}
    return {"database": str(params["database"]), "timeout": params.get("timeout", 30), "uri": params.get("uri", False)}


if __name__ == "__main__":
    serve()
