"""Reading people, titles, sites and tokens, always scoped to the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from keel.core.permissions import DataScope
from keel.organization.models import ApiToken, Department, JobTitle, Person, Site, Team
from keel.organization.permissions import VIEW_JOB_TITLE, VIEW_PERSON, VIEW_SITE


def people(
    *,
    actor: Any,
    title_id: int | None = None,
    site_id: int | None = None,
    department_id: int | None = None,
    is_active: bool | None = None,
) -> QuerySet[Person]:
    rows = Person.objects.restrict(actor, VIEW_PERSON.code).select_related(
        "title", "site", "department", "team"
    )
    if title_id:
        rows = rows.filter(title_id=title_id)
    if site_id:
        rows = rows.filter(site_id=site_id)
    if department_id:
        rows = rows.filter(department_id=department_id)
    if is_active is not None:
        rows = rows.filter(is_active=is_active)
    return rows


def person(*, actor: Any, pk: int) -> Person | None:
    """One person if the actor may see them; None otherwise (callers answer 404)."""
    return people(actor=actor).filter(pk=pk).first()


def job_titles(*, actor: Any) -> QuerySet[JobTitle]:
    if not actor.has_action(VIEW_JOB_TITLE.code):
        return JobTitle.objects.none()
    # Headcounts count only the people the actor may see; Meta.ordering does not apply to
    # aggregated queries, so order explicitly.
    visible = people(actor=actor, is_active=True).values("pk")
    return JobTitle.objects.annotate(
        headcount=Count("people", filter=Q(people__in=visible))
    ).order_by("sort_order", "name")


def sites(*, actor: Any, action: str = VIEW_SITE.code) -> QuerySet[Site]:
    return Site.objects.restrict(actor, action)


def departments(*, actor: Any, action: str = VIEW_SITE.code) -> QuerySet[Department]:
    return Department.objects.restrict(actor, action)


def teams(*, actor: Any) -> QuerySet[Team]:
    return Team.objects.restrict(actor, VIEW_SITE.code).select_related("department", "site")


def api_tokens(*, actor: Any) -> QuerySet[ApiToken]:
    """A person's own tokens: nobody lists anyone else's."""
    return ApiToken.objects.filter(person_id=actor.pk).order_by("-created_at")


def describe_reach(*, actor: Any) -> str:
    reach = actor.reach()
    if reach.scope == DataScope.COMPANY:
        return "Company-wide"
    names = list(Site.objects.filter(pk__in=reach.site_ids).values_list("name", flat=True))
    names += list(Department.objects.filter(pk__in=reach.department_ids).values_list("name", flat=True))
    return ", ".join(sorted(names)) or "No sites or departments assigned yet"
