"""The bulk path's writer: timestamps are the text Django would store for
``origin + timedelta(minutes=t)``; batch folders of killed runs are cleaned up."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path

from keel.simulation.sinks.writer import Clock, minute_micros, remove_orphans


def minutes_to_try() -> list[float]:
    generator = random.Random(20261129)
    values = [generator.uniform(0, 1440 * 400) for _ in range(40_000)]
    values += [generator.uniform(0, 2) for _ in range(10_000)]  # fractions of the first minutes
    values += [whole / 2**shift for whole in range(0, 3000, 7) for shift in range(0, 40, 3)]  # exact binary fractions
    values += [float(minute) + second / 60 for minute in range(0, 3000, 11) for second in range(60)]  # whole seconds
    values += [day * 1440.0 for day in range(400)] + [0.0, 1e-9, 0.5 / 60e6, 1.5 / 60e6, 2.5 / 60e6, 1439.9999999]
    return values


def test_minutes_round_to_the_microsecond_as_timedelta_does() -> None:
    for minutes in minutes_to_try():
        delta = timedelta(minutes=minutes)
        expected = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        assert minute_micros(minutes) == expected, minutes


def test_the_text_is_what_str_gives_with_the_zone() -> None:
    origin = datetime(2025, 6, 1)
    for zone in ("", "+00:00"):
        clock = Clock(origin, zone)
        for minutes in minutes_to_try():
            assert clock.text(minutes) == str(origin + timedelta(minutes=minutes)) + zone, minutes


def test_an_origin_that_is_not_a_midnight_and_times_before_it() -> None:
    origin = datetime(2025, 6, 1, 7, 30)
    clock = Clock(origin, "")
    assert clock.text(90.5) == "2025-06-01 09:00:30"
    assert clock.text(-30.25) == "2025-06-01 06:59:45"
    midnight = Clock(datetime(2025, 6, 1), "+00:00")
    assert midnight.text(-1.0) == "2025-05-31 23:59:00+00:00"
    assert midnight.text(1441.000001) == "2025-06-02 00:01:00.000060+00:00"


def test_a_killed_runs_batch_folder_is_removed_and_a_living_ones_kept(tmp_path: Path) -> None:
    # Given the folders of a run whose process is gone, of this (living) process, and a stranger's
    gone = tmp_path / "keel-bulk-999999999-abc"
    living = tmp_path / f"keel-bulk-{os.getpid()}-def"
    other = tmp_path / "keel-bulk-old-name"
    for folder in (gone, living, other):
        folder.mkdir()
        (folder / "batch-1.batch").write_bytes(b"rows")

    # When a new run looks for orphans
    removed = remove_orphans(tmp_path)

    # Then only the dead process's folder is gone
    assert removed == [gone]
    assert not gone.exists()
    assert living.exists()
    assert other.exists()
