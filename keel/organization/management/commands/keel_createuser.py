"""Add a person with a job title from the command line and print their password."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.context import RequestMeta, request_meta
from keel.core.errors import ValidationFailed
from keel.organization import services
from keel.organization.models import Department, JobTitle, Site


class Command(BaseCommand):
    help = 'Add a person, e.g. keel createuser --title "Fulfillment Manager" --email a@b.com --name "Ann Lee"'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--title", required=True, help="Job title name or slug")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="Full name")
        parser.add_argument("--site", help="Site code")
        parser.add_argument("--department", help="Department code")
        parser.add_argument("--admin", action="store_true", help="All actions, company-wide")

    def handle(self, *args: Any, **options: Any) -> None:
        title = JobTitle.objects.filter(slug=options["title"]).first() or JobTitle.objects.filter(
            name__iexact=options["title"]
        ).first()
        if title is None:
            names = ", ".join(JobTitle.objects.values_list("name", flat=True)[:40])
            raise CommandError(f"Unknown title {options['title']!r}. Titles: {names}")
        site = None
        if options["site"]:
            site = Site.objects.filter(code=options["site"]).first()
            if site is None:
                raise CommandError(f"Unknown site code {options['site']!r}")
        department = None
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"Unknown department code {options['department']!r}")
        password = secrets.token_urlsafe(12)
        try:
            with request_meta(RequestMeta(channel="cli")):
                person = services.create_person(
                    actor=None, email=options["email"], full_name=options["name"], title=title,
                    site=site, department=department, password=password,
                    is_superuser=options["admin"],
                )
        except ValidationFailed as error:
            details = "; ".join(f"{p.field}: {p.message}" for p in error.problems)
            raise CommandError(f"{error.detail} {details}") from error
        self.stdout.write(f"Created {person.full_name} <{person.email}> as {title.name}")
        self.stdout.write(f"Password (shown once): {password}")
