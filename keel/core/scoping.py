"""Row-level data scope: a queryset restricted to what an actor may see.

Models opt in by inheriting ``ScopedModel``-style attributes: ``scope_site_field`` and
``scope_department_field`` name the lookups that place a row in a site or department.
A row is visible to a scoped actor when it sits in one of the actor's sites or one of the
actor's departments; rows placed nowhere are visible only company-wide (deny by default).
Company master data that belongs to no site (items, for example) says so explicitly with
``scope_global = True``: everyone holding the action sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db import models

from keel.core.permissions import DataScope


@dataclass(frozen=True, slots=True)
class Reach:
    """The resolved data scope of one actor."""

    scope: DataScope
    site_ids: frozenset[int]
    department_ids: frozenset[int]

    @property
    def is_company_wide(self) -> bool:
        return self.scope == DataScope.COMPANY


class ScopedActor(Protocol):
    def has_action(self, code: str) -> bool: ...

    def reach(self) -> Reach: ...


M = TypeVar("M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[M]):
    """A queryset that can restrict itself to an actor's permission and data scope."""

    def restrict(self, actor: Any, action: str) -> RestrictedQuerySet[M]:
        if actor is None or not getattr(actor, "is_authenticated", False):
            return self.none()
        if not actor.has_action(action):
            return self.none()
        reach: Reach = actor.reach()
        if reach.is_company_wide or getattr(self.model, "scope_global", False):
            return self
        site_field: str | None = getattr(self.model, "scope_site_field", None)
        department_field: str | None = getattr(self.model, "scope_department_field", None)
        condition = models.Q(pk__in=[])
        if site_field and reach.site_ids:
            condition |= models.Q(**{f"{site_field}__in": sorted(reach.site_ids)})
        if department_field and reach.department_ids:
            condition |= models.Q(**{f"{department_field}__in": sorted(reach.department_ids)})
        return self.filter(condition)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)
