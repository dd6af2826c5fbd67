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
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any

# One batch: (table, columns, rows, is_plain) per table, parents before children; ``is_plain``:
# every value is a number or a string without tabs, newlines or backslashes (COPY text as is).
Batch = list[tuple[str, tuple[str, ...], list[tuple[Any, ...]], bool]]


def write_batch(vendor: str, raw: Any, batch: Batch, *, skip_triggers: bool) -> None:
    """Write one batch on a DB-API connection (``raw``) inside the caller's transaction:
    PostgreSQL ``COPY ... FROM STDIN``, SQLite ``executemany``."""
    if vendor == "postgresql":
        with raw.cursor() as cursor:
            if skip_triggers:  # foreign keys are consistent by construction; the tests check them
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL synchronous_commit = off")
            for table, columns, rows, is_plain in batch:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    if is_plain:
                        copy.write("".join("\t".join(map(str, row)) + "\n" for row in rows))
                    else:
                        write = copy.write_row
                        for row in rows:
                            write(row)
    else:
        for table, columns, rows, _ in batch:
            marks = ", ".join("?" for _ in columns)
            raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608 (fixed names)


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
    answer ``null`` or the error, one JSON line each."""
    lines = lines or sys.stdin
    answers = answers or sys.stdout
    settings = json.loads(lines.readline())
    vendor, skip_triggers = settings["vendor"], settings["skip_triggers"]
    raw = _connect(vendor, settings["params"], tuple(settings["pragmas"]))
    error: str | None = None
    try:
        for line in lines:
            path = line.strip()
            if not path:
                break
            try:
                if error is None:
                    with open(path, "rb") as file:
                        batch = pickle.load(file)  # noqa: S301 (written by the parent process)
                    if vendor == "postgresql":
                        with raw.transaction():
                            write_batch(vendor, raw, batch, skip_triggers=skip_triggers)
                    else:
                        raw.execute("BEGIN IMMEDIATE")
                        try:
                            write_batch(vendor, raw, batch, skip_triggers=skip_triggers)
                        except BaseException:
                            raw.execute("ROLLBACK")
                            raise
                        raw.execute("COMMIT")
                    del batch
            except Exception:
                error = traceback.format_exc()
            finally:
                Path(path).unlink(missing_ok=True)
            answers.write(json.dumps(error) + "\n")
            answers.flush()
    finally:
        raw.close()


class WriterFailed(RuntimeError):
    """The writer process could not write a batch (its traceback is the message)."""


class BatchWriter:
    """The simulation's end of the writer process (see the module docstring)."""

    pending_max = 2

    def __init__(self, vendor: str, params: dict[str, Any], *, pragmas: tuple[str, ...] = (),
                 skip_triggers: bool = False) -> None:
        shm = Path("/dev/shm")  # noqa: S108 (mkdtemp: a new private folder)
        self.folder = Path(tempfile.mkdtemp(prefix="keel-bulk-", dir=shm if shm.is_dir() else None))
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

    def _send(self, line: str) -> None:
        try:
            self.requests.write(line + "\n")
            self.requests.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WriterFailed(f"the writer process ended (exit code {self.process.poll()})") from exc

    def _answer(self) -> None:
        line = self.answers.readline()
        if not line:
            raise WriterFailed(f"the writer process ended (exit code {self.process.wait()})")
        self.pending -= 1
        error = json.loads(line)
        if error is not None:
            raise WriterFailed(error)

    def submit(self, batch: Batch) -> None:
        """Hand a batch over; waits while ``pending_max`` batches are not yet written."""
        while self.pending >= self.pending_max:
            self._answer()
        self.sent += 1
        path = self.folder / f"batch-{self.sent}.pickle"
        with open(path, "wb") as file:
            pickle.dump(batch, file, protocol=pickle.HIGHEST_PROTOCOL)
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
