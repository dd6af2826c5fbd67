"""Process mining: Keel's engine against pm4py on the same large flat log, side by side.

Usage:
    .venv/bin/python bench/process_mining.py                 # 1M and 10M events
    .venv/bin/python bench/process_mining.py 1000000         # chosen sizes
    KEEL_BENCH_SKIP_PM4PY_ABOVE=2000000 .venv/bin/python bench/process_mining.py

Each measurement runs in its own process (so that peak memory is that side's alone) on
the same deterministic synthetic log shaped like the simulator's order-fulfilment log
(order -> allocate -> pick -> pack -> quality check -> ship -> deliver, with an
address-correction loop, skipped checks, cancellations and ties). Timed for both: the
frequency DFG, the performance DFG, the variants and the case durations, starting from an
in-memory table (pm4py: a pandas DataFrame; Keel: a Polars DataFrame, including building
the EventLog, i.e. the stable sort). Prints a Markdown table for docs/benchmarks.md.

pm4py is a benchmark/test-only dependency (AGPL); nothing in keel/ imports it.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = [1_000_000, 10_000_000]
SEED = 20261129

VARIANTS: list[tuple[float, list[str]]] = [
    (0.62, ["Place order", "Allocate stock", "Pick", "Pack", "Quality check", "Ship", "Deliver"]),
    (0.14, ["Place order", "Allocate stock", "Pick", "Pack", "Ship", "Deliver"]),
    (0.05, ["Place order", "Correct address", "Allocate stock", "Correct address", "Allocate stock",
            "Pick", "Pack", "Quality check", "Ship", "Deliver"]),
    (0.08, ["Place order", "Allocate stock", "Backorder", "Allocate stock", "Pick", "Pack",
            "Quality check", "Ship", "Deliver"]),
    (0.04, ["Place order", "Allocate stock", "Cancel order"]),
    (0.04, ["Place order", "Allocate stock", "Pick", "Pack", "Quality check", "Ship", "Deliver",
            "Return"]),
    (0.03, ["Place order", "Allocate stock", "Pick", "Pick", "Pack", "Quality check", "Ship",
            "Deliver"]),
]


def synthetic_log(events: int) -> pl.DataFrame:
    """About ``events`` events in order-fulfilment shape: case_id, activity, timestamp."""
    rng = np.random.default_rng(SEED)
    names = sorted({name for _, path in VARIANTS for name in path})
    code = {name: index for index, name in enumerate(names)}
    shares = np.array([share for share, _ in VARIANTS])
    lengths = np.array([len(path) for _, path in VARIANTS])
    flat = np.array([code[name] for _, path in VARIANTS for name in path], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    mean_length = float((shares / shares.sum() * lengths).sum())
    cases = max(1, int(events / mean_length))
    chosen = rng.choice(len(VARIANTS), size=cases, p=shares / shares.sum())
    case_lengths = lengths[chosen]
    total = int(case_lengths.sum())
    case_of = np.repeat(np.arange(cases), case_lengths)
    case_first = np.concatenate([[0], np.cumsum(case_lengths)[:-1]])
    position = np.arange(total) - np.repeat(case_first, case_lengths)
    activity = flat[np.repeat(offsets[chosen], case_lengths) + position]
    # Gaps in milliseconds: exponential, a fifth of them zero (ties), none before the first.
    gaps = np.rint(rng.exponential(3 * 3600 * 1000, size=total)).astype(np.int64)
    gaps[rng.random(total) < 0.2] = 0
    gaps[case_first] = 0
    within = np.cumsum(gaps)
    within -= np.repeat(within[case_first], case_lengths)
    starts = rng.integers(0, 90 * 86400 * 1000, size=cases)
    epoch_ms = 1_772_409_600_000 + np.repeat(starts, case_lengths) + within  # from 2026-03-02
    # Rows in the order events happen, as an event log records them (not grouped by case).
    return pl.DataFrame({
        "case_id": pl.Series(case_of).cast(pl.String).str.pad_start(8, "0"),
        "activity": pl.Series(activity).replace_strict(list(range(len(names))), names,
                                                       return_dtype=pl.String),
        "timestamp": pl.Series(epoch_ms).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
    }).sort("timestamp", maintain_order=True)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_keel(frame: pl.DataFrame) -> dict[str, float]:
    from keel.analytics.process_mining import (
        EventLog,
        case_durations,
        frequency_dfg,
        performance_dfg,
        variants,
    )

    timings = {}
    began = time.perf_counter()
    log = EventLog.from_frame(frame)
    timings["event table (sort)"] = time.perf_counter() - began
    steps = (("frequency DFG", frequency_dfg), ("performance DFG", performance_dfg),
             ("variants", variants), ("case durations", case_durations))
    for name, function in steps:
        began = time.perf_counter()
        function(log)
        timings[name] = time.perf_counter() - began
    # The same again, warm (Polars' thread pool and allocator are set up by the first run).
    began = time.perf_counter()
    log = EventLog.from_frame(frame)
    for _, function in steps:
        function(log)
    timings["warm total"] = time.perf_counter() - began
    return timings


def measure_pm4py(frame: pl.DataFrame) -> dict[str, float]:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    import pm4py
    from pm4py.statistics.traces.generic.pandas import case_statistics

    table = pd.DataFrame({
        "case:concept:name": frame.get_column("case_id").to_list(),
        "concept:name": frame.get_column("activity").to_list(),
        "time:timestamp": pd.to_datetime(frame.get_column("timestamp").dt.epoch("ns").to_numpy(),
                                         unit="ns", utc=True),
    })
    del frame
    timings = {"event table (sort)": 0.0}
    steps = (
        ("frequency DFG", lambda: pm4py.discover_dfg(table)),
        ("performance DFG", lambda: pm4py.discover_performance_dfg(table)),
        ("variants", lambda: pm4py.get_variants(table)),
        ("case durations", lambda: case_statistics.get_cases_description(table)),
    )
    for name, function in steps:
        began = time.perf_counter()
        function()
        timings[name] = time.perf_counter() - began
    return timings


def child(side: str, events: int) -> None:
    frame = synthetic_log(events)
    rows, cases = frame.height, frame.get_column("case_id").n_unique()
    before = peak_rss_mib()
    timings = measure_keel(frame) if side == "keel" else measure_pm4py(frame)
    print(json.dumps({"events": rows, "cases": cases, "timings": timings,
                      "rss_before_mib": before, "peak_rss_mib": peak_rss_mib()}))


def run_side(side: str, events: int) -> dict[str, object]:
    result = subprocess.run(  # noqa: S603 -- this script, with fixed arguments
        [sys.executable, __file__, "--child", side, str(events)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or SIZES
    skip_above = int(os.environ.get("KEEL_BENCH_SKIP_PM4PY_ABOVE", "0")) or None
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"polars {pl.__version__}")
    print()
    print("| events | cases | step | Keel s | pm4py s | speed-up |")
    print("|---:|---:|---|---:|---:|---:|")
    memory_lines = []
    for events in sizes:
        keel = run_side("keel", events)
        pm4py = None if skip_above and events > skip_above else run_side("pm4py", events)
        warm = keel["timings"].pop("warm total")  # type: ignore[attr-defined]
        steps = list(keel["timings"])  # type: ignore[call-overload]
        for step in [*steps, "total"]:
            if step == "total":
                ours = sum(keel["timings"].values())  # type: ignore[attr-defined]
                theirs = sum(pm4py["timings"].values()) if pm4py else None  # type: ignore[attr-defined]
            else:
                ours = keel["timings"][step]  # type: ignore[index]
                theirs = pm4py["timings"][step] if pm4py else None  # type: ignore[index]
            ratio = f"{theirs / ours:.1f}x" if theirs and ours and step != "event table (sort)" else ""
            if step == "total" and theirs:
                ratio = f"**{theirs / ours:.1f}x**"
            label = f"**{step}** (Keel warm: {warm:.3f} s)" if step == "total" else step
            print(f"| {keel['events']:,} | {keel['cases']:,} | {label} | {ours:.3f} | "
                  f"{'' if theirs is None else f'{theirs:.3f}'} | {ratio} |")
        for name, result in (("Keel", keel), ("pm4py", pm4py)):
            if result:
                memory_lines.append(
                    f"| {keel['events']:,} | {name} | {result['rss_before_mib']:,.0f} | "
                    f"{result['peak_rss_mib']:,.0f} | "
                    f"{result['peak_rss_mib'] - result['rss_before_mib']:,.0f} |"  # type: ignore[operator]
                )
    print()
    print("| events | library | RSS with the data loaded, MiB | peak RSS, MiB | peak added by the analysis, MiB |")
    print("|---:|---|---:|---:|---:|")
    print("\n".join(memory_lines))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
