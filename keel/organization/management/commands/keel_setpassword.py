"""Give a person a new random password from the command line and print it once."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keel.core.context import RequestMeta, request_meta
from keel.organization import services
from keel.organization.models import Person


class Command(BaseCommand):
    help = "Set a new random password for EMAIL and print it once (their sessions end)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(email__iexact=options["email"].strip()).first()
        if person is None:
            raise CommandError(f"No person with email {options['email']!r}.")
        password = secrets.token_urlsafe(12)
        with request_meta(RequestMeta(channel="cli")):
            services.set_password(actor=None, person=person, password=password)
        self.stdout.write(f"New password for {person.email} (shown once): {password}")
