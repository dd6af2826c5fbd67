"""Changes to the organisation: people, titles and presets, sites, departments, tokens.

Each function is one transaction that changes state, records its operations event and
writes its audit record.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from keel.audit.choices import AuditAction
from keel.audit.services import changed_fields, record_audit
from keel.core.errors import FieldProblem, ProblemCollector, ValidationFailed
from keel.core.permissions import AREA_LABELS, Area, Level, get_action
from keel.events.services import ObjectRef, record_event
from keel.organization.auth import ALL_ACTIONS, TOKEN_PREFIX, token_digest
from keel.organization.choices import DataScopeChoice, SiteKind, TitleLevel
from keel.organization.models import ApiToken, Department, JobTitle, Person, Site, Team

MAX_TOKEN_DAYS = 366


def _check_grant(
    problems: ProblemCollector,
    *,
    actor: Any,
    person: Person | None,
    title: JobTitle | None = None,
    sites: list[Site] | None = None,
    departments: list[Department] | None = None,
) -> None:
    """Nobody grants more than they hold: a title's actions must be within the actor's,
    sites and departments within the actor's reach, and nobody raises their own access.

    Command-line work (no actor) and administrators are trusted.
    """
    person_actor = getattr(actor, "person", actor)
    if person_actor is None or not hasattr(person_actor, "action_codes") or person_actor.is_superuser:
        return
    if person is not None and person.pk == person_actor.pk and (title is not None or sites or departments):
        problems.add("person", "you cannot change your own title or scope; ask another administrator")
        return
    if title is not None:
        beyond = sorted(title.actions() - person_actor.action_codes())
        if beyond:
            problems.add("title", f"{title.name} can do things your role cannot ({', '.join(beyond[:3])}"
                                  f"{'…' if len(beyond) > 3 else ''})")
        if title.data_scope == "company" and not actor.reach().is_company_wide:
            problems.add("title", f"{title.name} sees the whole company; your role does not")
    reach = actor.reach()
    if reach.is_company_wide:
        return
    for site in sites or []:
        if site.pk not in reach.site_ids:
            problems.add("site", f"{site.name} is outside your scope")
    for department in departments or []:
        if department.pk not in reach.department_ids:
            problems.add("department", f"{department.name} is outside your scope")


def _person_state(person: Person) -> dict[str, Any]:
    return {
        "email": person.email,
        "full_name": person.full_name,
        "title": person.title.name if person.title_id else None,
        "site": person.site.code if person.site else None,
        "department": person.department.code if person.department else None,
        "team": person.team.name if person.team else None,
        "time_zone": person.time_zone,
        "is_active": person.is_active,
        "is_superuser": person.is_superuser,
    }


@functools.cache
def _time_zones() -> frozenset[str]:
    """The installed IANA zones: ``available_timezones`` walks the tz database on every call
    (about 50 ms), and the demo and the simulator add hundreds of people."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


def _validate_time_zone(name: str) -> bool:
    return name in _time_zones() or name == "UTC"


def _check_person_fields(
    problems: ProblemCollector,
    *,
    email: str | None = None,
    full_name: str | None = None,
    time_zone: str | None = None,
    exclude_pk: int | None = None,
) -> None:
    if email is not None:
        try:
            validate_email(email)
        except DjangoValidationError:
            problems.add("email", "not a valid email address")
        else:
            clash = Person.objects.filter(email__iexact=email)
            if exclude_pk is not None:
                clash = clash.exclude(pk=exclude_pk)
            if clash.exists():
                problems.add("email", "another person already uses this email")
    if full_name is not None and not full_name.strip():
        problems.add("full_name", "required")
    if time_zone is not None and not _validate_time_zone(time_zone):
        problems.add("time_zone", f"unknown time zone {time_zone!r}")


@transaction.atomic
def create_person(
    *,
    actor: Any,
    email: str,
    full_name: str,
    title: JobTitle,
    site: Site | None = None,
    department: Department | None = None,
    team: Team | None = None,
    password: str | None = None,
    time_zone: str = "UTC",
    is_superuser: bool = False,
) -> Person:
    """Add a person. Without a password they cannot sign in until one is set."""
    problems = ProblemCollector()
    email = email.strip().lower()
    _check_person_fields(problems, email=email, full_name=full_name, time_zone=time_zone)
    _check_grant(problems, actor=actor, person=None, title=title, sites=[site] if site else [],
                 departments=[department] if department else [])
    if is_superuser and actor is not None and not getattr(getattr(actor, "person", actor), "is_superuser", False):
        problems.add("is_superuser", "only an administrator can create an administrator")
    person = Person(
        email=email, full_name=full_name.strip(), title=title, site=site,
        department=department, team=team, time_zone=time_zone, is_superuser=is_superuser,
    )
    if password is not None:
        try:
            validate_password(password, person)
        except DjangoValidationError as error:
            for message in error.messages:
                problems.add("password", message)
    problems.raise_if_any("The person was not created.")
    if password is None:
        person.set_unusable_password()
    else:
        person.set_password(password)
    person.save()
    record_event(
        activity="Create person",
        objects=[ObjectRef("person", str(person.pk), "created", site_id=person.site_id)],
        attributes={"title": title.name},
        site_id=person.site_id,
        department_id=person.department_id,
        actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="person", object_id=person.pk,
        object_repr=str(person), site_id=person.site_id, after=_person_state(person),
    )
    return person


@transaction.atomic
def update_person(*, actor: Any, person: Person, **changes: Any) -> Person:
    """Change a person's details; a change of title is also a permission change."""
    allowed = {"email", "full_name", "title", "site", "department", "team", "time_zone"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            "The person was not changed.",
            problems=[FieldProblem(field=name, message="cannot be changed here") for name in sorted(unknown)],
        )
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = _person_state(person)
    problems = ProblemCollector()
    for required in ("email", "full_name", "title", "time_zone"):
        if required in changes and changes[required] is None:
            problems.add(required, "required; it cannot be emptied")
    problems.raise_if_any("The person was not changed.")
    if "email" in changes:
        changes["email"] = str(changes["email"]).strip().lower()
    _check_person_fields(
        problems,
        email=changes.get("email"),
        full_name=changes.get("full_name"),
        time_zone=changes.get("time_zone"),
        exclude_pk=person.pk,
    )
    _check_grant(
        problems, actor=actor, person=person,
        title=changes.get("title") if changes.get("title") != person.title else None,
        sites=[changes["site"]] if changes.get("site") and changes["site"] != person.site else [],
        departments=[changes["department"]] if changes.get("department") and changes["department"] != person.department else [],
    )
    problems.raise_if_any("The person was not changed.")
    for name, value in changes.items():
        setattr(person, name, value)
    person.save()
    old, new = changed_fields(before, _person_state(person))
    if not new:
        return person
    record_event(
        activity="Change person",
        objects=[ObjectRef("person", str(person.pk), "changed", site_id=person.site_id)],
        attributes={"fields": ",".join(sorted(new))},
        site_id=person.site_id,
        department_id=person.department_id,
        actor=actor,
    )
    action = AuditAction.PERMISSION_CHANGE if "title" in new else AuditAction.CHANGE
    record_audit(
        actor=actor, action=action, object_type="person", object_id=person.pk,
        object_repr=str(person), site_id=person.site_id, before=old, after=new,
    )
    return person


@transaction.atomic
def set_password(*, actor: Any, person: Person, password: str) -> None:
    try:
        validate_password(password, person)
    except DjangoValidationError as error:
        raise ValidationFailed(
            "The password was not changed.",
            problems=[FieldProblem(field="password", message=m) for m in error.messages],
        ) from error
    person.set_password(password)
    person.security_stamp = secrets.token_hex(16)
    person.save(update_fields=["password", "security_stamp"])
    record_event(
        activity="Change password",
        objects=[ObjectRef("person", str(person.pk), "changed", site_id=person.site_id)],
        site_id=person.site_id, department_id=person.department_id, actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CHANGE, object_type="person", object_id=person.pk,
        object_repr=str(person), site_id=person.site_id, message="Password changed",
    )


@transaction.atomic
def deactivate_person(*, actor: Any, person: Person) -> Person:
    """Stop a person signing in: sessions end and API tokens are revoked at once."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        return person
    if getattr(actor, "pk", None) == person.pk:
        raise ValidationFailed(
            "You cannot deactivate yourself.",
            problems=[FieldProblem(field="person", message="ask another administrator")],
        )
    now = timezone.now()
    person.is_active = False
    person.deactivated_at = now
    # A new stamp changes the session hash, so every open session fails verification.
    person.security_stamp = secrets.token_hex(16)
    person.save(update_fields=["is_active", "deactivated_at", "security_stamp"])
    revoked = ApiToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    record_event(
        activity="Deactivate person",
        objects=[ObjectRef("person", str(person.pk), "deactivated", site_id=person.site_id)],
        attributes={"tokens_revoked": revoked},
        site_id=person.site_id,
        department_id=person.department_id,
        actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CHANGE, object_type="person", object_id=person.pk,
        object_repr=str(person), site_id=person.site_id,
        before={"is_active": True}, after={"is_active": False, "tokens_revoked": revoked},
        message="Deactivated",
    )
    return person


@transaction.atomic
def reactivate_person(*, actor: Any, person: Person) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.is_active:
        return person
    person.is_active = True
    person.deactivated_at = None
    person.save(update_fields=["is_active", "deactivated_at"])
    record_event(
        activity="Reactivate person",
        objects=[ObjectRef("person", str(person.pk), "reactivated", site_id=person.site_id)],
        site_id=person.site_id,
        department_id=person.department_id,
        actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CHANGE, object_type="person", object_id=person.pk,
        object_repr=str(person), site_id=person.site_id,
        before={"is_active": False}, after={"is_active": True}, message="Reactivated",
    )
    return person


@transaction.atomic
def grant_scope(
    *, actor: Any, person: Person, sites: list[Site], departments: list[Department]
) -> Person:
    """Set the extra sites and departments a person may see beyond their title's scope."""
    problems = ProblemCollector()
    _check_grant(problems, actor=actor, person=person, sites=sites, departments=departments)
    problems.raise_if_any("The scope was not changed.")
    before = {
        "extra_sites": sorted(site.code for site in person.extra_sites.all()),
        "extra_departments": sorted(d.code for d in person.extra_departments.all()),
    }
    person.extra_sites.set(sites)
    person.extra_departments.set(departments)
    after = {
        "extra_sites": sorted(site.code for site in sites),
        "extra_departments": sorted(d.code for d in departments),
    }
    if before != after:
        record_event(
            activity="Change person scope",
            objects=[ObjectRef("person", str(person.pk), "scope changed", site_id=person.site_id)],
            attributes={"extra_sites": ",".join(after["extra_sites"]),
                        "extra_departments": ",".join(after["extra_departments"])},
            site_id=person.site_id, department_id=person.department_id, actor=actor,
        )
        record_audit(
            actor=actor, action=AuditAction.PERMISSION_CHANGE, object_type="person",
            object_id=person.pk, object_repr=str(person), site_id=person.site_id,
            before=before, after=after, message="Extra scope changed",
        )
    return person


# --- Job titles and role presets ------------------------------------------------------


def _check_preset(
    problems: ProblemCollector,
    *,
    data_scope: str,
    area_levels: dict[str, str],
    granted_actions: list[str],
    revoked_actions: list[str],
) -> dict[str, str]:
    if data_scope not in DataScopeChoice.values:
        problems.add("data_scope", f"use one of {', '.join(DataScopeChoice.values)}")
    cleaned: dict[str, str] = {}
    for area, level in area_levels.items():
        if area not in {a.value for a in Area}:
            problems.add("area_levels", f"unknown area {area!r}")
            continue
        try:
            cleaned[area] = Level.parse(level).name.lower()
        except ValueError as error:
            problems.add(f"area_levels.{area}", str(error))
    for field_name, codes in (("granted_actions", granted_actions), ("revoked_actions", revoked_actions)):
        for code in codes:
            try:
                get_action(code)
            except KeyError:
                problems.add(field_name, f"unknown action {code!r}")
    return cleaned


def _title_state(title: JobTitle) -> dict[str, Any]:
    return {
        "name": title.name,
        "level": title.level,
        "focus": title.focus,
        "data_scope": title.data_scope,
        "area_levels": title.area_levels,
        "granted_actions": sorted(title.granted_actions),
        "revoked_actions": sorted(title.revoked_actions),
    }


@transaction.atomic
def create_job_title(
    *,
    actor: Any,
    name: str,
    level: str,
    focus: str,
    data_scope: str,
    area_levels: dict[str, str],
    granted_actions: list[str] | None = None,
    revoked_actions: list[str] | None = None,
) -> JobTitle:
    problems = ProblemCollector()
    if not name.strip():
        problems.add("name", "required")
    elif JobTitle.objects.filter(name__iexact=name.strip()).exists():
        problems.add("name", "a title with this name exists")
    if level not in TitleLevel.values:
        problems.add("level", f"use one of {', '.join(TitleLevel.values)}")
    levels = _check_preset(
        problems, data_scope=data_scope, area_levels=area_levels,
        granted_actions=granted_actions or [], revoked_actions=revoked_actions or [],
    )
    problems.raise_if_any("The job title was not created.")
    slug = slugify(name)[:70] or "title"
    if JobTitle.objects.filter(slug=slug).exists():
        slug = f"{slug}-{secrets.token_hex(3)}"
    title = JobTitle.objects.create(
        slug=slug, name=name.strip(), level=level, focus=focus, data_scope=data_scope,
        area_levels=levels, granted_actions=sorted(set(granted_actions or [])),
        revoked_actions=sorted(set(revoked_actions or [])), sort_order=1000,
    )
    record_event(activity="Create job title", objects=[ObjectRef("job_title", str(title.pk), "created")], actor=actor)
    record_audit(
        actor=actor, action=AuditAction.PERMISSION_CHANGE, object_type="job_title",
        object_id=title.pk, object_repr=title.name, after=_title_state(title),
        message="Job title created",
    )
    return title


@transaction.atomic
def update_job_title(
    *,
    actor: Any,
    title: JobTitle,
    focus: str | None = None,
    data_scope: str | None = None,
    area_levels: dict[str, str] | None = None,
    granted_actions: list[str] | None = None,
    revoked_actions: list[str] | None = None,
) -> JobTitle:
    """Edit a title's role preset; every person with the title is affected at once."""
    title = JobTitle.objects.select_for_update().get(pk=title.pk)
    before = _title_state(title)
    problems = ProblemCollector()
    levels = _check_preset(
        problems,
        data_scope=data_scope if data_scope is not None else title.data_scope,
        area_levels=area_levels if area_levels is not None else title.area_levels,
        granted_actions=granted_actions if granted_actions is not None else title.granted_actions,
        revoked_actions=revoked_actions if revoked_actions is not None else title.revoked_actions,
    )
    problems.raise_if_any("The role preset was not changed.")
    if focus is not None:
        title.focus = focus
    if data_scope is not None:
        title.data_scope = data_scope
    if area_levels is not None:
        title.area_levels = levels
    if granted_actions is not None:
        title.granted_actions = sorted(set(granted_actions))
    if revoked_actions is not None:
        title.revoked_actions = sorted(set(revoked_actions))
    title.updated_at = timezone.now()
    title.save()
    old, new = changed_fields(before, _title_state(title))
    if new:
        record_event(
            activity="Change role preset", objects=[ObjectRef("job_title", str(title.pk), "changed")],
            attributes={"fields": ",".join(sorted(new))}, actor=actor,
        )
        record_audit(
            actor=actor, action=AuditAction.PERMISSION_CHANGE, object_type="job_title",
            object_id=title.pk, object_repr=title.name, before=old, after=new,
            message="Role preset changed",
        )
    return title


# --- Sites, departments, teams --------------------------------------------------------


@transaction.atomic
def create_site(
    *, actor: Any, code: str, name: str, kind: str, country: str, currency: str, time_zone: str
) -> Site:
    problems = ProblemCollector()
    code = code.strip().lower()
    if not code or slugify(code) != code:
        problems.add("code", "use lower-case letters, digits and hyphens")
    elif Site.objects.filter(code=code).exists():
        problems.add("code", "a site with this code exists")
    if not name.strip():
        problems.add("name", "required")
    if kind not in SiteKind.values:
        problems.add("kind", f"use one of {', '.join(SiteKind.values)}")
    if len(country) != 2 or not country.isalpha():
        problems.add("country", "two-letter ISO country code, e.g. IE")
    if len(currency) != 3 or not currency.isalpha():
        problems.add("currency", "three-letter ISO currency code, e.g. EUR")
    if not _validate_time_zone(time_zone):
        problems.add("time_zone", f"unknown time zone {time_zone!r}")
    problems.raise_if_any("The site was not created.")
    site = Site.objects.create(
        code=code, name=name.strip(), kind=kind, country=country.upper(),
        currency=currency.upper(), time_zone=time_zone,
    )
    record_event(
        activity="Create site", objects=[ObjectRef("site", str(site.pk), "created", site_id=site.pk)],
        site_id=site.pk, actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="site", object_id=site.pk,
        object_repr=site.name, site_id=site.pk,
        after={"code": site.code, "name": site.name, "kind": site.kind, "country": site.country,
               "currency": site.currency, "time_zone": site.time_zone},
    )
    return site


@transaction.atomic
def update_site(*, actor: Any, site: Site, name: str, kind: str, currency: str, time_zone: str, is_active: bool) -> Site:
    """Change a site's details; its code and country stay as they were created."""
    site = Site.objects.select_for_update().get(pk=site.pk)
    problems = ProblemCollector()
    if not name.strip():
        problems.add("name", "required")
    if kind not in SiteKind.values:
        problems.add("kind", f"use one of {', '.join(SiteKind.values)}")
    if len(currency) != 3 or not currency.isalpha():
        problems.add("currency", "three-letter ISO currency code, e.g. EUR")
    if not _validate_time_zone(time_zone):
        problems.add("time_zone", f"unknown time zone {time_zone!r}")
    problems.raise_if_any("The site was not changed.")
    fields = ("name", "kind", "currency", "time_zone", "is_active")
    before = {field: getattr(site, field) for field in fields}
    site.name, site.kind, site.currency, site.time_zone, site.is_active = (
        name.strip(), kind, currency.upper(), time_zone, is_active
    )
    site.save()
    old, new = changed_fields(before, {field: getattr(site, field) for field in fields})
    if new:
        record_event(activity="Change site", objects=[ObjectRef("site", str(site.pk), "changed", site_id=site.pk)],
                     attributes={"fields": ",".join(sorted(new))}, site_id=site.pk, actor=actor)
        record_audit(actor=actor, action=AuditAction.CHANGE, object_type="site", object_id=site.pk,
                     object_repr=site.name, site_id=site.pk, before=old, after=new)
    return site


@transaction.atomic
def create_department(*, actor: Any, code: str, name: str) -> Department:
    problems = ProblemCollector()
    code = code.strip().lower()
    if not code or slugify(code) != code:
        problems.add("code", "use lower-case letters, digits and hyphens")
    elif Department.objects.filter(code=code).exists():
        problems.add("code", "a department with this code exists")
    if not name.strip():
        problems.add("name", "required")
    elif Department.objects.filter(name__iexact=name.strip()).exists():
        problems.add("name", "a department with this name exists")
    problems.raise_if_any("The department was not created.")
    department = Department.objects.create(code=code, name=name.strip())
    record_event(
        activity="Create department", objects=[ObjectRef("department", str(department.pk), "created")], actor=actor
    )
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="department",
        object_id=department.pk, object_repr=department.name,
        after={"code": department.code, "name": department.name},
    )
    return department


@transaction.atomic
def create_team(*, actor: Any, name: str, department: Department, site: Site | None) -> Team:
    if not name.strip():
        raise ValidationFailed("The team was not created.", problems=[FieldProblem(field="name", message="required")])
    if Team.objects.filter(name=name.strip(), department=department, site=site).exists():
        raise ValidationFailed(
            "The team was not created.",
            problems=[FieldProblem(field="name", message="this team exists in that department and site")],
        )
    team = Team.objects.create(name=name.strip(), department=department, site=site)
    site_id = site.pk if site else None
    record_event(
        activity="Create team",
        objects=[ObjectRef("team", str(team.pk), "created", site_id=site_id),
                 ObjectRef("department", str(department.pk), "part of")],
        site_id=site_id, actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.CREATE, object_type="team", object_id=team.pk,
        object_repr=team.name, site_id=site.pk if site else None,
        after={"name": team.name, "department": department.code, "site": site.code if site else None},
    )
    return team


# --- API tokens -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token and its secret, which is shown once and never stored."""

    token: ApiToken
    secret: str


@transaction.atomic
def create_api_token(
    *, actor: Any, person: Person, name: str, actions: list[str], expires_in_days: int
) -> IssuedToken:
    problems = ProblemCollector()
    if not name.strip():
        problems.add("name", "required")
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        problems.add("expires_in_days", f"between 1 and {MAX_TOKEN_DAYS} days")
    if not actions:
        problems.add("actions", f"choose the actions the token may use, or {ALL_ACTIONS!r} for all of yours")
    for code in actions:
        if code == ALL_ACTIONS:
            continue
        try:
            get_action(code)
        except KeyError:
            problems.add("actions", f"unknown action {code!r}")
            continue
        if not person.has_action(code):
            problems.add("actions", f"your role does not allow {code!r}")
    problems.raise_if_any("The token was not created.")
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        person=person, name=name.strip(), prefix=prefix, digest=token_digest(secret),
        actions=sorted(set(actions)), expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    record_event(
        activity="Create API token",
        objects=[ObjectRef("api_token", str(token.pk), "created"),
                 ObjectRef("person", str(person.pk), "owner", site_id=person.site_id)],
        site_id=person.site_id, department_id=person.department_id, actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.PERMISSION_CHANGE, object_type="api_token",
        object_id=token.pk, object_repr=str(token), site_id=person.site_id,
        after={"name": token.name, "actions": token.actions, "expires_at": token.expires_at.isoformat()},
        message="API token created",
    )
    return IssuedToken(token=token, secret=f"{TOKEN_PREFIX}_{prefix}_{secret}")


@transaction.atomic
def revoke_api_token(*, actor: Any, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(
        activity="Revoke API token",
        objects=[ObjectRef("api_token", str(token.pk), "revoked"), ObjectRef("person", str(token.person_id), "owner")],
        actor=actor,
    )
    record_audit(
        actor=actor, action=AuditAction.PERMISSION_CHANGE, object_type="api_token",
        object_id=token.pk, object_repr=str(token), message="API token revoked",
        before={"revoked": False}, after={"revoked": True},
    )
    return token


# --- Sign-in records ------------------------------------------------------------------


@transaction.atomic
def record_login(*, person: Person) -> None:
    record_audit(actor=person, action=AuditAction.LOGIN, object_type="person", object_id=person.pk,
                 object_repr=str(person), site_id=person.site_id)


@transaction.atomic
def record_logout(*, person: Person) -> None:
    record_audit(actor=person, action=AuditAction.LOGOUT, object_type="person", object_id=person.pk,
                 object_repr=str(person), site_id=person.site_id)


@transaction.atomic
def record_login_failure(*, username: str, reason: str) -> None:
    record_audit(actor=None, action=AuditAction.LOGIN_FAILED, object_type="person",
                 object_repr=username[:254], message=reason)


def record_access_denied(*, actor: Any, action: str, path: str) -> None:
    """Audit a refused access in its own transaction (the request itself changes nothing)."""
    with transaction.atomic():
        record_audit(actor=actor, action=AuditAction.ACCESS_DENIED, object_type="route",
                     object_repr=path[:254], message=f"Needed {action}")


def area_label(area: str) -> str:
    return AREA_LABELS[Area(area)]
