"""API schemas of the organisation app: ``<Thing>In`` for input, ``<Thing>Out`` for output."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from keel.core.api import InputSchema


class SiteOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    country: str
    currency: str
    time_zone: str


class DepartmentOut(Schema):
    id: int
    code: str
    name: str


class JobTitleOut(Schema):
    id: int
    slug: str
    name: str
    level: str
    focus: str
    data_scope: str
    area_levels: dict[str, str]
    actions: list[str]


class PersonOut(Schema):
    id: int
    email: str
    full_name: str
    title: str
    site: str | None
    department: str | None
    time_zone: str
    is_active: bool
    created_at: datetime


class MeOut(PersonOut):
    actions: list[str]
    scope: str


class PersonIn(InputSchema):
    email: str = Field(..., max_length=254)
    full_name: str = Field(..., min_length=1, max_length=160)
    title: str = Field(..., description="Job title slug, e.g. fulfillment-manager")
    site: str | None = Field(None, description="Site code")
    department: str | None = Field(None, description="Department code")
    time_zone: str = "UTC"


class PersonPatchIn(InputSchema):
    email: str | None = Field(None, max_length=254)
    full_name: str | None = Field(None, min_length=1, max_length=160)
    title: str | None = None
    site: str | None = None
    department: str | None = None
    time_zone: str | None = None


class PeopleQuery(Schema):
    q: str | None = Field(None, max_length=200, description="Search name or email")
    title: str | None = Field(None, description="Job title slug")
    site: str | None = Field(None, description="Site code")
    is_active: bool | None = None
    ordering: str | None = Field(None, description="full_name, email, created_at; prefix - for descending")
