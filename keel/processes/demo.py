"""The process area's part of the demo company: the intended models of order fulfillment
and purchasing (from Keel's workflows) and one improvement initiative, created through
the services like any user would, after the simulated history is loaded."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

from keel.core.errors import ValidationFailed
from keel.processes import services
from keel.processes.choices import InitiativeStatus, Measure, ProcessKind


def load_demo(*, actor: Any, owner: Any, today: date, days: int) -> None:
    """Models for both processes and an initiative on the planted skipped quality check:
    baseline the first two weeks of the history, change three weeks before ``today``."""
    orders = services.create_process_model(
        actor=actor, name="Order fulfillment", process=ProcessKind.SALES_ORDER, source="Keel's workflow",
        steps=services.keel_workflow_steps(ProcessKind.SALES_ORDER),
        description="Every order is checked for quality before it is packed.")
    services.create_process_model(
        actor=actor, name="Purchasing", process=ProcessKind.PURCHASE_ORDER, source="Keel's workflow",
        steps=services.keel_workflow_steps(ProcessKind.PURCHASE_ORDER))
    start = today - timedelta(days=days)
    # A history too short for a baseline before the change date: the models are there all the same.
    with contextlib.suppress(ValidationFailed):
        services.create_initiative(
            actor=actor, name="Quality check on every order in Columbus", owner=owner,
            process=ProcessKind.SALES_ORDER, process_model=orders, measure=Measure.CONFORMANCE_FITNESS,
            baseline_from=start, baseline_to=start + timedelta(days=13), change_on=today - timedelta(days=21),
            target_value=0.99, status=InitiativeStatus.ACTIVE,
            description="Columbus picking skips the quality check; the team was retrained.")
