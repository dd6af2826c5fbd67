"""Services for facts only the simulated company produces for now: worked shifts and
marketing spend. Each writes its operations event and audit record in one transaction,
like every other service; the costs area will take them over when it lands."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from keel.audit.choices import AuditAction
from keel.audit.services import record_audit
from keel.core.errors import ProblemCollector
from keel.events.services import ObjectRef, record_event
from keel.orders.models import SalesChannel
from keel.organization.models import Person


@transaction.atomic
def record_shift(*, actor: Any, person: Person, started_at: datetime, ended_at: datetime, shift: str,
                 hourly_cost: Decimal, currency: str) -> None:
    """A person worked a shift: hours and labour cost, by team and site."""
    problems = ProblemCollector()
    if ended_at <= started_at:
        problems.add("ended_at", "must be after the start")
    if hourly_cost < 0:
        problems.add("hourly_cost", "must not be negative")
    problems.raise_if_any("The shift was not recorded.")
    hours = Decimal((ended_at - started_at).total_seconds() / 3600).quantize(Decimal("0.01"))
    cost = (hours * hourly_cost).quantize(Decimal("0.01"))
    objects = [ObjectRef("person", str(person.pk), "worked", site_id=person.site_id)]
    if person.team_id:
        objects.append(ObjectRef("team", str(person.team_id), "team", site_id=person.site_id))
    record_event(activity="Work shift", objects=objects, occurred_at=started_at, site_id=person.site_id,
                 department_id=person.department_id, actor=actor,
                 attributes={"shift": shift, "hours": str(hours), "cost": str(cost), "currency": currency,
                             "ended_at": ended_at})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="shift", object_id=person.pk,
                 object_repr=f"{person.full_name}, {shift} shift", site_id=person.site_id,
                 after={"started_at": started_at.isoformat(), "ended_at": ended_at.isoformat(), "hours": str(hours),
                        "cost": str(cost), "currency": currency})


@transaction.atomic
def record_marketing_spend(*, actor: Any, channel: SalesChannel, spent_on: datetime, amount: Decimal, currency: str,
                           new_customers: int) -> None:
    """A day's marketing spend on a sales channel and the new customers it brought."""
    problems = ProblemCollector()
    if amount < 0:
        problems.add("amount", "must not be negative")
    if new_customers < 0:
        problems.add("new_customers", "must not be negative")
    problems.raise_if_any("The marketing spend was not recorded.")
    record_event(activity="Spend on marketing", objects=[ObjectRef("sales_channel", str(channel.pk), "channel")],
                 occurred_at=spent_on, actor=actor,
                 attributes={"amount": str(amount), "currency": currency, "new_customers": new_customers})
    record_audit(actor=actor, action=AuditAction.CREATE, object_type="marketing_spend", object_id=channel.pk,
                 object_repr=f"{channel.name}, {spent_on.date().isoformat()}",
                 after={"amount": str(amount), "currency": currency, "new_customers": new_customers})
