"""The data scope a KPI is computed over, and its key for caches and snapshots.

KPI numbers are computed for a scope, not for a person: two people with the same reach
see the same number, and history snapshots are stored per scope key (``company`` and
``site:<id>``). The filter mirrors ``keel.core.scoping.RestrictedQuerySet.restrict``: a
row is in scope when it sits in one of the scope's sites or departments; rows placed
nowhere are in the company scope only (deny by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models

from keel.core.permissions import DataScope

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True, slots=True)
class Scope:
    """Company-wide, or a set of sites and departments."""

    is_company_wide: bool
    site_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()

    @classmethod
    def company(cls) -> Scope:
        return cls(is_company_wide=True)

    @classmethod
    def site(cls, site_id: int) -> Scope:
        return cls(is_company_wide=False, site_ids=frozenset({site_id}))

    @classmethod
    def of(cls, actor: Any) -> Scope:
        """The scope of a signed-in actor (its reach); empty for anyone else."""
        if actor is None or not getattr(actor, "is_authenticated", False):
            return cls(is_company_wide=False)
        reach = actor.reach()
        if reach.scope == DataScope.COMPANY:
            return cls.company()
        return cls(is_company_wide=False, site_ids=frozenset(reach.site_ids),
                   department_ids=frozenset(reach.department_ids))

    @property
    def key(self) -> str:
        """``company``, ``site:3``, ``sites:1,2``, ``site:1|departments:4`` or ``none``."""
        if self.is_company_wide:
            return "company"
        parts = []
        if self.site_ids:
            ids = ",".join(str(pk) for pk in sorted(self.site_ids))
            parts.append(f"site:{ids}" if len(self.site_ids) == 1 else f"sites:{ids}")
        if self.department_ids:
            parts.append("departments:" + ",".join(str(pk) for pk in sorted(self.department_ids)))
        return "|".join(parts) or "none"

    @property
    def single_site_id(self) -> int | None:
        if not self.is_company_wide and len(self.site_ids) == 1 and not self.department_ids:
            return next(iter(self.site_ids))
        return None

    def filter(self, rows: models.QuerySet[M], *, site_field: str | None,
               department_field: str | None = None) -> models.QuerySet[M]:
        """``rows`` restricted to this scope by the given lookups."""
        if self.is_company_wide:
            return rows
        condition = models.Q(pk__in=[])
        if site_field and self.site_ids:
            condition |= models.Q(**{f"{site_field}__in": sorted(self.site_ids)})
        if department_field and self.department_ids:
            condition |= models.Q(**{f"{department_field}__in": sorted(self.department_ids)})
        return rows.filter(condition)
