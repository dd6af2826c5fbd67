"""Serve Keel with gunicorn (threads; SQLite in WAL mode copes with the concurrency)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the web UI and API on HOST:PORT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings
        from django.core.management import call_command
        from gunicorn.app.wsgiapp import WSGIApplication

        if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]:
            # Production serves hashed, compressed files: build them before the first request.
            call_command("collectstatic", interactive=False, verbosity=0)

        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Keel is serving at http://{bind}/ (Ctrl+C to stop)")
        argv = [
            "keel", "config.wsgi:application", "--bind", bind,
            "--workers", str(options["workers"]), "--threads", str(options["threads"]),
            "--access-logfile", "-", "--graceful-timeout", "5",
        ]
        import sys

        sys.argv = argv
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
