"""Batch planning from files: forecasts and inventory policies for spreadsheets (docs/planning.md).

Each function reads a CSV or XLSX file, checks every row and either raises
``ValidationFailed`` with every problem by row and column (nothing is written) or
returns the header and rows of the result. The maths is in ``keel.analytics``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import reduce
from pathlib import Path

import numpy as np

from keel.analytics import forecasting
from keel.analytics.forecasting.selection import FAMILIES
from keel.analytics.inventory import (
    base_stock_policy,
    eoq,
    newsvendor_normal,
    reorder_point_policy,
    round_to_supplier,
)
from keel.core.errors import ProblemCollector, ValidationFailed
from keel.core.spreadsheets import FORMULA_PREFIXES, read_rows

MAX_BYTES = 2 * 1024 * 1024 * 1024
MAX_ROWS = 50_000_000
DETAIL = "Nothing was written: the file has problems."


def _read(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ValidationFailed(f"{path} cannot be read: {error.strerror}.") from None
    return read_rows(name=path.name, content=content, max_rows=MAX_ROWS, max_bytes=MAX_BYTES, required=required,
                     header_detail="The header cannot be used; nothing was written.")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _format(value: float) -> str:
    """Four decimals, blank for a number that does not apply (NaN)."""
    return "" if not math.isfinite(value) else f"{value:.4f}"


def _safe_text(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote; numbers stay as they are."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) and _number(text) is None else text


# --- forecasts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A result ready to write: a header and rows of text."""

    header: list[str]
    rows: list[list[str]]


def _minimum_periods(method: str, season_length: int | None) -> int:
    if method in {"seasonal_naive", "holt_winters"} and season_length:
        return season_length + 1
    return 2


def forecast_file(*, path: Path, horizon: int, season_length: int | None = None, method: str = "auto",
                  levels: Sequence[float] = (80.0, 95.0)) -> tuple[Table, Table]:
    """Forecasts (``series_id, period, forecast, lower_L, upper_L...``) and per-series accuracy.

    Periods are ISO dates or integers, the same kind throughout. The bucket is the
    greatest common divisor of the gaps between consecutive periods of a series, over all
    series (7 days for weekly dates); a missing period inside a series is zero demand.
    """
    if horizon < 1:
        raise ValidationFailed("--horizon must be at least 1.")
    if season_length is not None and season_length < 1:
        raise ValidationFailed("--season-length must be at least 1.")
    if method != "auto" and method not in FAMILIES:
        raise ValidationFailed(f"--method must be auto or one of {', '.join(FAMILIES)}.")
    if method in {"seasonal_naive", "holt_winters"} and not (season_length and season_length >= 2):
        raise ValidationFailed(f"--method {method} needs --season-length of at least 2.")
    if any(not 0 < level < 100 for level in levels):
        raise ValidationFailed("--level must lie between 0 and 100 (80 for an 80% interval).")
    rows = _read(path, ("series_id", "period", "quantity"))
    problems = ProblemCollector()
    is_dates: bool | None = None
    series: dict[str, dict[int, float]] = defaultdict(dict)
    first_row: dict[str, int] = {}
    seen: dict[tuple[str, int], int] = {}
    for raw in rows:
        row = int(raw["row"])
        name = raw["series_id"].strip()
        if not name:
            problems.add("series_id", "is empty", row)
        text = raw["period"].strip()
        position: int | None = None
        try:
            position = int(text)
            kind = False
        except ValueError:
            try:
                position = date.fromisoformat(text).toordinal()
                kind = True
            except ValueError:
                problems.add("period", f"{text!r} is neither a date (YYYY-MM-DD) nor a whole number", row)
        if position is not None:
            if is_dates is None:
                is_dates = kind
            elif kind != is_dates:
                problems.add("period", f"{text!r} is {'a date' if kind else 'a number'} but the first period is "
                             f"{'a date' if is_dates else 'a number'}", row)
                position = None
        quantity = _number(raw["quantity"])
        if quantity is None:
            problems.add("quantity", f"{raw['quantity']!r} is not a number", row)
        elif quantity < 0:
            problems.add("quantity", "demand cannot be negative", row)
        if not name or position is None or quantity is None:
            continue
        if (name, position) in seen:
            problems.add("period", f"{text} of series {name!r} is also on row {seen[(name, position)]}", row)
            continue
        seen[(name, position)] = row
        first_row.setdefault(name, row)
        series[name][position] = quantity
    if not rows:
        problems.add("series_id", "the file has no data rows", 2)
    problems.raise_if_any(DETAIL)

    gaps = [later - earlier for values in series.values()
            for earlier, later in zip(sorted(values), sorted(values)[1:], strict=False)]
    step = reduce(math.gcd, gaps, 0) or 1
    histories: dict[str, np.ndarray] = {}
    needed = _minimum_periods(method, season_length)
    for name, values in series.items():
        start, end = min(values), max(values)
        history = np.zeros((end - start) // step + 1)
        for position, quantity in values.items():
            history[(position - start) // step] = quantity
        if len(history) < needed:
            problems.add("period", f"series {name!r} has {len(history)} period{'s' if len(history) != 1 else ''}; "
                         f"{method} needs at least {needed}", first_row[name])
        histories[name] = history
    problems.raise_if_any(DETAIL)

    by_length: dict[int, list[str]] = defaultdict(list)
    for name, history in histories.items():
        by_length[len(history)].append(name)
    results: dict[str, tuple[np.ndarray, list[np.ndarray], str, dict[str, float]]] = {}
    for names in by_length.values():
        result = forecasting.forecast(np.array([histories[name] for name in names]), horizon=horizon,
                                      season_length=season_length, method=method)
        intervals = [forecasting.prediction_interval(result, level=level / 100) for level in levels]
        labels = result.method_labels
        for index, name in enumerate(names):
            bounds = [bound[index] for pair in intervals for bound in pair]
            scores = {"mase": float(result.accuracy.mase[index]), "wape": float(result.accuracy.wape[index]),
                      "bias": float(result.accuracy.bias[index]), "sigma": float(result.sigma[index, 0])}
            results[name] = (result.forecast[index], bounds, str(labels[index]), scores)

    level_names = [f"{level:g}".replace(".", "_") for level in levels]
    header = ["series_id", "period", "forecast"]
    for level in level_names:
        header += [f"lower_{level}", f"upper_{level}"]
    output: list[list[str]] = []
    accuracy_rows: list[list[str]] = []
    for name, values in series.items():
        values_forecast, bounds, label, scores = results[name]
        last = max(values)
        for lead in range(horizon):
            position = last + (lead + 1) * step
            period = date.fromordinal(position).isoformat() if is_dates else str(position)
            output.append([_safe_text(name), period, _format(float(values_forecast[lead])),
                           *(_format(float(bound[lead])) for bound in bounds)])
        accuracy_rows.append([_safe_text(name), label, *(_format(scores[key]) for key in ("mase", "wape", "bias",
                                                                                            "sigma"))])
    return Table(header=header, rows=output), Table(
        header=["series_id", "method", "mase", "wape", "bias", "one_step_sd"], rows=accuracy_rows)


# --- inventory policies ----------------------------------------------------------------

TARGETS = ("service_level", "fill_rate", "stockout_cost")
PARAMETERS = ("demand_mean", "demand_sd", "lead_time", "lead_time_sd", "review_period", "ordering_cost",
              "holding_cost", "stockout_cost", "service_level", "fill_rate", "order_quantity",
              "min_order_quantity", "order_multiple")
OUTPUTS = ("reorder_point", "order_quantity", "order_up_to", "safety_stock", "expected_cost")
# model -> (required, optional, needs one service target)
MODELS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "eoq": (("demand_mean", "ordering_cost", "holding_cost"), ("min_order_quantity", "order_multiple"), False),
    "newsvendor_normal": (("demand_mean", "demand_sd", "holding_cost", "stockout_cost"), (), False),
    "base_stock_normal": (("demand_mean", "demand_sd", "lead_time", "review_period", "holding_cost"),
                          ("lead_time_sd", "ordering_cost"), True),
    "rq_normal": (("demand_mean", "demand_sd", "lead_time", "holding_cost"),
                  ("lead_time_sd", "ordering_cost", "order_quantity"), True),
    "ss_normal": (("demand_mean", "demand_sd", "lead_time", "holding_cost"),
                  ("lead_time_sd", "ordering_cost", "order_quantity"), True),
    "minmax": (("demand_mean", "demand_sd", "lead_time", "holding_cost"),
               ("lead_time_sd", "ordering_cost", "order_quantity", "review_period"), True),
}
FRACTIONS = {"service_level", "fill_rate"}
POSITIVE = {"holding_cost", "stockout_cost", "order_quantity", "review_period"}


def _check_row(raw: dict[str, str], problems: ProblemCollector) -> tuple[str, dict[str, float]] | None:
    row = int(raw["row"])
    model = raw.get("model", "").strip().lower()
    if model not in MODELS:
        problems.add("model", f"{raw.get('model', '')!r} is not one of {', '.join(MODELS)}", row)
        return None
    required, optional, needs_target = MODELS[model]
    allowed = set(required) | set(optional) | (set(TARGETS) if needs_target else set())
    values: dict[str, float] = {}
    ok = True
    for column in PARAMETERS:
        text = raw.get(column, "").strip()
        if not text:
            if column in required:
                problems.add(column, f"is required by the {model} model", row)
                ok = False
            continue
        if column not in allowed:
            problems.add(column, f"is not used by the {model} model; leave it blank", row)
            ok = False
            continue
        value = _number(text)
        if value is None:
            problems.add(column, f"{text!r} is not a number", row)
            ok = False
        elif column in FRACTIONS and not 0 < value < 1:
            problems.add(column, "must lie strictly between 0 and 1 (0.95 for 95%)", row)
            ok = False
        elif column in POSITIVE and value <= 0:
            problems.add(column, "must be above 0", row)
            ok = False
        elif value < 0:
            problems.add(column, "cannot be negative", row)
            ok = False
        else:
            values[column] = value
    if needs_target:
        given = [target for target in TARGETS if raw.get(target, "").strip()]
        if len(given) != 1:
            problems.add("service_level", "give exactly one of service_level, fill_rate and stockout_cost", row)
            ok = False
        if model in {"rq_normal", "ss_normal", "minmax"} and not (
                raw.get("ordering_cost", "").strip() or raw.get("order_quantity", "").strip()):
            problems.add("ordering_cost", f"the {model} model needs ordering_cost (for the EOQ) or order_quantity",
                         row)
            ok = False
    if ok and "fill_rate" in values and values.get("demand_sd", 0) <= 0 and values.get("lead_time_sd", 0) <= 0:
        problems.add("demand_sd", "must be above 0 for a fill-rate target", row)
        ok = False
    return (model, values) if ok else None


def _policy_columns(model: str, group: list[dict[str, float]]) -> dict[str, np.ndarray]:
    def column(name: str, default: float = math.nan) -> np.ndarray:
        return np.array([values.get(name, default) for values in group])

    def optional(name: str) -> np.ndarray | None:
        return column(name) if name in group[0] else None

    mean, h = column("demand_mean"), column("holding_cost")
    if model == "eoq":
        result = eoq(demand=mean, ordering_cost=column("ordering_cost"), holding_cost=h)
        quantity = round_to_supplier(result.quantity, minimum=column("min_order_quantity", 0.0),
                                     multiple=column("order_multiple", 0.0))
        # The cost of the quantity actually ordered, after rounding (K D / Q + h Q / 2).
        safe = np.where(quantity > 0, quantity, 1.0)
        cost = np.where(quantity > 0, column("ordering_cost") * mean / safe + h * quantity / 2, 0.0)
        return {"order_quantity": quantity, "expected_cost": cost}
    if model == "newsvendor_normal":
        news = newsvendor_normal(demand_mean=mean, demand_sd=column("demand_sd"), holding_cost=h,
                                 stockout_cost=column("stockout_cost"))
        return {"order_up_to": news.order_up_to, "safety_stock": news.order_up_to - mean,
                "expected_cost": news.expected_cost}
    demand_sd, lead_time, lead_time_sd = column("demand_sd"), column("lead_time"), column("lead_time_sd", 0.0)
    service_level, fill_rate, stockout_cost = optional("service_level"), optional("fill_rate"), optional("stockout_cost")
    if model == "base_stock_normal":
        policy = base_stock_policy(demand_mean=mean, demand_sd=demand_sd, lead_time=lead_time,
                                   lead_time_sd=lead_time_sd, review_period=column("review_period"),
                                   holding_cost=h, ordering_cost=optional("ordering_cost"),
                                   service_level=service_level, fill_rate=fill_rate, stockout_cost=stockout_cost)
        return {"order_up_to": policy.order_up_to, "order_quantity": policy.order_quantity,
                "safety_stock": policy.safety_stock, "expected_cost": policy.expected_cost}
    policy = reorder_point_policy(demand_mean=mean, demand_sd=demand_sd, lead_time=lead_time,
                                  lead_time_sd=lead_time_sd, review_period=column("review_period", 0.0),
                                  holding_cost=h, ordering_cost=optional("ordering_cost"),
                                  order_quantity=optional("order_quantity"), service_level=service_level,
                                  fill_rate=fill_rate, stockout_cost=stockout_cost)
    columns = {"reorder_point": policy.reorder_point, "order_quantity": policy.order_quantity,
               "safety_stock": policy.safety_stock, "expected_cost": policy.expected_cost}
    if model != "rq_normal":
        columns["order_up_to"] = policy.order_up_to
    return columns


def inventory_policy_file(*, path: Path) -> Table:
    """The input's columns followed by ``reorder_point, order_quantity, order_up_to, safety_stock,
    expected_cost`` (blank where the model has no such number)."""
    rows = _read(path, ("model",))
    header = [column for column in rows[0] if column != "row"] if rows else []
    problems = ProblemCollector()
    for column in OUTPUTS:
        if column in header and column != "order_quantity":
            problems.add(column, "is an output column; remove it from the input", 1)
    checked = [_check_row(raw, problems) for raw in rows]
    if not rows:
        problems.add("model", "the file has no data rows", 2)
    problems.raise_if_any(DETAIL)

    # One vectorised call per model and set of columns given (e.g. rq_normal with a fill rate).
    groups: dict[tuple[str, frozenset[str]], list[int]] = defaultdict(list)
    for index, item in enumerate(checked):
        assert item is not None
        groups[(item[0], frozenset(item[1]))].append(index)
    results: list[dict[str, float]] = [{} for _ in rows]
    for (model, _), indices in groups.items():
        columns = _policy_columns(model, [checked[index][1] for index in indices])  # type: ignore[index]
        for name, values in columns.items():
            for position, index in enumerate(indices):
                results[index][name] = float(values[position])
    output = []
    for raw, result in zip(rows, results, strict=True):
        passed = [_safe_text(raw.get(column, "")) for column in header if column != "order_quantity"]
        output.append(passed + [_format(result.get(column, math.nan)) for column in OUTPUTS])
    return Table(header=[column for column in header if column != "order_quantity"] + list(OUTPUTS), rows=output)
