"""Sites, departments, teams, job titles with role presets, people, API tokens."""

from __future__ import annotations

import secrets
from functools import cached_property

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from keel.core.permissions import DataScope, actions_for_levels
from keel.core.scoping import Reach, RestrictedManager, RestrictedQuerySet
from keel.organization.choices import DataScopeChoice, SiteKind, TitleLevel


class Site(models.Model):
    """A place where the company operates: a warehouse, office, store or plant."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=SiteKind.choices, default=SiteKind.WAREHOUSE)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 country code")
    currency = models.CharField(max_length=3, help_text="ISO 4217 currency code")
    time_zone = models.CharField(max_length=64, default="UTC")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    scope_site_field = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A function of the company (Operations, Supply Chain, Customer Success, ...)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    scope_department_field = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group of people in one department, usually at one site (e.g. Packing, Dublin)."""

    name = models.CharField(max_length=120)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="teams")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()
    scope_site_field = "site"
    scope_department_field = "department"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "site", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class JobTitle(models.Model):
    """An operations job title and its role preset (area levels, overrides, data scope)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    level = models.CharField(max_length=16, choices=TitleLevel.choices)
    focus = models.TextField(blank=True)
    data_scope = models.CharField(max_length=16, choices=DataScopeChoice.choices)
    area_levels = models.JSONField(default=dict, help_text="area -> none/view/operate/manage")
    granted_actions = models.JSONField(default=list, blank=True)
    revoked_actions = models.JSONField(default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=100)
    is_catalogue = models.BooleanField(default=False, help_text="Shipped with Keel")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(data_scope__in=["company", "site", "department"]),
                name="job_title_valid_scope",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def actions(self) -> frozenset[str]:
        return actions_for_levels(
            self.area_levels, granted=self.granted_actions, revoked=self.revoked_actions
        )


def new_security_stamp() -> str:
    """32 hex characters; changing it ends every session of the person."""
    return secrets.token_hex(16)


class PersonManager(BaseUserManager["Person"]):
    def get_by_natural_key(self, username: str | None) -> Person:
        return self.get(email__iexact=username)


class PersonQuerySet(RestrictedQuerySet["Person"]):
    pass


class Person(AbstractBaseUser):
    """Someone who works in the company and signs in to Keel with a job title."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=160)
    title = models.ForeignKey(JobTitle, on_delete=models.PROTECT, related_name="people")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="people")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    extra_sites = models.ManyToManyField(Site, blank=True, related_name="+")
    extra_departments = models.ManyToManyField(Department, blank=True, related_name="+")
    time_zone = models.CharField(max_length=64, default="UTC")
    is_active = models.BooleanField(default=True)
    is_superuser = models.BooleanField(default=False, help_text="All actions, company-wide")
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = PersonManager.from_queryset(PersonQuerySet)()
    scope_site_field = "site"
    scope_department_field = "department"

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "people"
        constraints = [models.UniqueConstraint(Lower("email"), name="person_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_staff(self) -> bool:
        return self.is_superuser

    def get_session_auth_hash(self) -> str:
        # The security stamp is part of the session hash, so rotating it (on deactivation
        # or password change) ends every session of this person at once.
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "keel.organization.Person.session", f"{self.password}:{self.security_stamp}", algorithm="sha256"
        ).hexdigest()

    @cached_property
    def _action_codes(self) -> frozenset[str]:
        if self.is_superuser:
            from keel.core.permissions import all_actions

            return frozenset(action.code for action in all_actions())
        return self.title.actions()

    def has_action(self, code: str) -> bool:
        return self.is_active and code in self._action_codes

    def action_codes(self) -> frozenset[str]:
        return self._action_codes if self.is_active else frozenset()

    @cached_property
    def _reach(self) -> Reach:
        if self.is_superuser or self.title.data_scope == DataScope.COMPANY:
            return Reach(scope=DataScope.COMPANY, site_ids=frozenset(), department_ids=frozenset())
        site_ids = {site.pk for site in self.extra_sites.all()}
        department_ids = {department.pk for department in self.extra_departments.all()}
        if self.title.data_scope == DataScope.SITE and self.site_id:
            site_ids.add(self.site_id)
        if self.title.data_scope == DataScope.DEPARTMENT and self.department_id:
            department_ids.add(self.department_id)
        return Reach(
            scope=DataScope(self.title.data_scope),
            site_ids=frozenset(site_ids),
            department_ids=frozenset(department_ids),
        )

    def reach(self) -> Reach:
        return self._reach


class ApiToken(models.Model):
    """A personal API token: shown once, stored as a SHA-256 digest, scoped and expiring."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=12, unique=True, help_text="Public part, for lookup")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the secret part")
    actions = models.JSONField(default=list, help_text="Allowed actions; the person's own still apply")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginAttempt(models.Model):
    """One sign-in attempt, written before the password is checked (see auth.py)."""

    username = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)
    succeeded = models.BooleanField(null=True, help_text="null while the check is running")

    class Meta:
        ordering = ["-attempted_at"]
        indexes = [models.Index(fields=["username", "attempted_at"])]

    def __str__(self) -> str:
        return f"{self.username} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
