"""REST operations for the organisation: who am I, people, titles, sites, departments."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from keel.core.api import InputSchema, KeelRouter, Page, PageParams, apply_ordering, paginate
from keel.core.errors import FieldProblem, NotFound, ValidationFailed
from keel.organization import permissions as p
from keel.organization import selectors, services
from keel.organization.models import Department, JobTitle, Person, Site
from keel.organization.schemas import (
    DepartmentOut,
    JobTitleOut,
    MeOut,
    PeopleQuery,
    PersonIn,
    PersonOut,
    PersonPatchIn,
    SiteOut,
)

router = KeelRouter(tags=["organization"])


def _person_out(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk, "email": person.email, "full_name": person.full_name,
        "title": person.title.slug, "site": person.site.code if person.site else None,
        "department": person.department.code if person.department else None,
        "time_zone": person.time_zone, "is_active": person.is_active, "created_at": person.created_at,
    }


def _actor_person(actor: Any) -> Person:
    return getattr(actor, "person", actor)


@router.get("/me", response=MeOut, action=p.USE_KEEL.code, summary="The caller: person, actions and scope")
def me(request: HttpRequest) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    person = _actor_person(actor)
    out = _person_out(person)
    out["actions"] = sorted(code for code in person.action_codes() if actor.has_action(code))
    out["scope"] = selectors.describe_reach(actor=actor)
    return out


@router.get("/people", response=Page[PersonOut], action=p.VIEW_PERSON.code, summary="List people in scope")
def list_people(request: HttpRequest, filters: Query[PeopleQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.people(actor=request.auth, is_active=filters.is_active)  # type: ignore[attr-defined]
    if filters.q:
        rows = rows.filter(Q(full_name__icontains=filters.q) | Q(email__icontains=filters.q))
    if filters.title:
        rows = rows.filter(title__slug=filters.title)
    if filters.site:
        rows = rows.filter(site__code=filters.site)
    rows = apply_ordering(
        rows, filters.ordering,
        {"full_name": "full_name", "email": "email", "created_at": "created_at"}, "full_name",
    )
    result = paginate(rows, page)
    result["items"] = [_person_out(person) for person in result["items"]]
    return result


@router.get("/people/{person_id}", response=PersonOut, action=p.VIEW_PERSON.code, summary="One person")
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = selectors.person(actor=request.auth, pk=person_id)  # type: ignore[attr-defined]
    if person is None:
        raise NotFound(f"No person {person_id} in your scope.")
    return _person_out(person)


def _resolve_references(data: dict[str, Any]) -> dict[str, Any]:
    """Turn slugs and codes into records, with a field problem for each unknown one."""
    problems: list[FieldProblem] = []
    resolved: dict[str, Any] = dict(data)
    lookups: dict[str, tuple[Any, str]] = {
        "title": (JobTitle, "slug"), "site": (Site, "code"), "department": (Department, "code"),
    }
    for name, (model, key) in lookups.items():
        if name not in data:
            continue
        if data[name] is None:
            if name == "title":
                problems.append(FieldProblem(field=name, message="required"))
            resolved[name] = None
            continue
        found = model.objects.filter(**{key: data[name]}).first()
        if found is None:
            problems.append(FieldProblem(field=name, message=f"unknown {name} {data[name]!r}"))
        resolved[name] = found
    if problems:
        raise ValidationFailed("The request has invalid fields.", problems=problems)
    return resolved


@router.post("/people", response={201: PersonOut}, action=p.CREATE_PERSON.code, summary="Add a person")
def create_person(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    data = _resolve_references(payload.dict())
    person = services.create_person(actor=request.auth, **data)  # type: ignore[attr-defined]
    return Status(201, _person_out(person))


@router.patch("/people/{person_id}", response=PersonOut, action=p.CHANGE_PERSON.code, summary="Change a person")
def update_person(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> dict[str, Any]:
    person = selectors.person(actor=request.auth, pk=person_id)  # type: ignore[attr-defined]
    if person is None:
        raise NotFound(f"No person {person_id} in your scope.")
    changes = _resolve_references(payload.dict(exclude_unset=True))
    person = services.update_person(actor=request.auth, person=person, **changes)  # type: ignore[attr-defined]
    return _person_out(person)


@router.post("/people/{person_id}/deactivate", response=PersonOut, action=p.DEACTIVATE_PERSON.code,
             summary="Deactivate a person: sessions and tokens stop at once")
def deactivate_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = selectors.person(actor=request.auth, pk=person_id)  # type: ignore[attr-defined]
    if person is None:
        raise NotFound(f"No person {person_id} in your scope.")
    return _person_out(services.deactivate_person(actor=request.auth, person=person))  # type: ignore[attr-defined]


class ListQuery(Schema):
    q: str | None = Field(None, max_length=200, description="Search by name (and code)")
    ordering: str | None = Field(None, description="name or code; prefix - for descending")


@router.get("/job-titles", response=Page[JobTitleOut], action=p.VIEW_JOB_TITLE.code, summary="Job titles and presets")
def list_job_titles(
    request: HttpRequest, filters: Query[ListQuery], page: Query[PageParams], level: str | None = None
) -> dict[str, Any]:
    rows = selectors.job_titles(actor=request.auth)  # type: ignore[attr-defined]
    if filters.q:
        rows = rows.filter(name__icontains=filters.q)
    if level:
        rows = rows.filter(level=level)
    rows = apply_ordering(rows, filters.ordering, {"name": "name", "level": "level", "order": "sort_order"}, "sort_order")
    result = paginate(rows, page)
    result["items"] = [
        {
            "id": title.pk, "slug": title.slug, "name": title.name, "level": title.level,
            "focus": title.focus, "data_scope": title.data_scope, "area_levels": title.area_levels,
            "actions": sorted(title.actions()),
        }
        for title in result["items"]
    ]
    return result


@router.get("/sites", response=Page[SiteOut], action=p.VIEW_SITE.code, summary="Sites in scope")
def list_sites(request: HttpRequest, filters: Query[ListQuery], page: Query[PageParams], kind: str | None = None) -> dict[str, Any]:
    rows = selectors.sites(actor=request.auth)  # type: ignore[attr-defined]
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if kind:
        rows = rows.filter(kind=kind)
    return paginate(apply_ordering(rows, filters.ordering, {"name": "name", "code": "code"}, "name"), page)


@router.get("/departments", response=Page[DepartmentOut], action=p.VIEW_SITE.code, summary="Departments in scope")
def list_departments(request: HttpRequest, filters: Query[ListQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.departments(actor=request.auth)  # type: ignore[attr-defined]
    if filters.q:
        rows = rows.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    return paginate(apply_ordering(rows, filters.ordering, {"name": "name", "code": "code"}, "name"), page)


class TeamOut(Schema):
    id: int
    name: str
    department: str
    site: str | None


class TeamIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    department: str = Field(..., description="Department code")
    site: str | None = Field(None, description="Site code")


@router.get("/teams", response=Page[TeamOut], action=p.VIEW_SITE.code, summary="Teams in scope")
def list_teams(request: HttpRequest, filters: Query[ListQuery], page: Query[PageParams]) -> dict[str, Any]:
    rows = selectors.teams(actor=request.auth)  # type: ignore[attr-defined]
    if filters.q:
        rows = rows.filter(name__icontains=filters.q)
    result = paginate(apply_ordering(rows, filters.ordering, {"name": "name"}, "name"), page)
    result["items"] = [
        {"id": t.pk, "name": t.name, "department": t.department.code, "site": t.site.code if t.site else None}
        for t in result["items"]
    ]
    return result


@router.post("/teams", response={201: TeamOut}, action=p.CREATE_SITE.code, summary="Add a team")
def create_team(request: HttpRequest, payload: TeamIn) -> Status[dict[str, Any]]:
    data = _resolve_references({"department": payload.department, "site": payload.site})
    if data["department"] is None:
        raise ValidationFailed("The team was not created.", problems=[FieldProblem(field="department", message="required")])
    team = services.create_team(actor=request.auth, name=payload.name, department=data["department"], site=data["site"])  # type: ignore[attr-defined]
    return Status(201, {"id": team.pk, "name": team.name, "department": team.department.code,
                        "site": team.site.code if team.site else None})
