"""Process mining on columnar event tables (Polars), with pm4py's dataframe semantics.

Pure Python: nothing here imports Django or a Keel app, so the same functions serve the
web screens, the ``keel mine`` command, benchmarks and a future Spark port. Start with an
:class:`EventLog` (:meth:`EventLog.from_frame`, or a reader in :mod:`.formats`,
:mod:`.summary` and :mod:`.object_centric`), then call the analyses:

>>> from keel.analytics.process_mining import EventLog, frequency_dfg
>>> log = EventLog.from_rows([("c1", "pick", "2024-01-01T08:00:00Z"), ("c1", "ship", "2024-01-01T09:00:00Z")])
>>> frequency_dfg(log).rows()
[('pick', 'ship', 1)]
"""

from keel.analytics.process_mining.conformance import (
    LogFitness,
    TraceReplay,
    deviation_summary,
    deviations,
    replay_log,
    replay_trace,
)
from keel.analytics.process_mining.discovery import (
    arcs,
    case_durations,
    end_activities,
    frequency_dfg,
    performance_dfg,
    start_activities,
    variants,
)
from keel.analytics.process_mining.filters import (
    filter_activities,
    filter_attribute_values,
    filter_case_duration_percentiles,
    filter_time_window,
    filter_variant_coverage,
    filter_variants,
    frequent_arcs,
)
from keel.analytics.process_mining.formats import EventFileError, read_csv, read_xes, write_xes
from keel.analytics.process_mining.log import EventLog, EventLogError
from keel.analytics.process_mining.object_centric import flatten, object_type_dfgs
from keel.analytics.process_mining.performance import (
    activity_times,
    bottleneck_changes,
    bottlenecks,
    rework,
    throughput,
)
from keel.analytics.process_mining.petri import PetriNet, Transition, WorkflowError, from_workflow
from keel.analytics.process_mining.summary import file_kind, mining_summary, read_event_file

__all__ = [
    "EventFileError",
    "EventLog",
    "EventLogError",
    "LogFitness",
    "PetriNet",
    "TraceReplay",
    "Transition",
    "WorkflowError",
    "activity_times",
    "arcs",
    "bottleneck_changes",
    "bottlenecks",
    "case_durations",
    "deviation_summary",
    "deviations",
    "end_activities",
    "file_kind",
    "filter_activities",
    "filter_attribute_values",
    "filter_case_duration_percentiles",
    "filter_time_window",
    "filter_variant_coverage",
    "filter_variants",
    "flatten",
    "frequency_dfg",
    "frequent_arcs",
    "from_workflow",
    "mining_summary",
    "object_type_dfgs",
    "performance_dfg",
    "read_csv",
    "read_event_file",
    "read_xes",
    "replay_log",
    "replay_trace",
    "rework",
    "start_activities",
    "throughput",
    "variants",
    "write_xes",
]
