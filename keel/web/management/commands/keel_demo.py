"""Set up the demo company: sites, departments, teams, one person per job title.

Passwords are generated, printed once and written to var/demo-logins.txt (mode 600).
Refused outside demo mode, so production never gets default accounts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from keel.core.context import RequestMeta, request_meta
from keel.events import ocel
from keel.events import services as event_services
from keel.organization import services
from keel.organization.models import JobTitle, Person, Site, Team

SITES = [
    ("dub", "Dublin fulfillment centre", "warehouse", "IE", "EUR", "Europe/Dublin"),
    ("rtm", "Rotterdam distribution centre", "warehouse", "NL", "EUR", "Europe/Amsterdam"),
    ("cmh", "Columbus fulfillment centre", "warehouse", "US", "USD", "America/New_York"),
    ("hq", "Head office, London", "office", "GB", "GBP", "Europe/London"),
]
DEPARTMENTS = [
    ("operations", "Operations"), ("supply-chain", "Supply Chain"), ("logistics", "Logistics"),
    ("customer-success", "Customer Success"), ("business-operations", "Business Operations"),
    ("revenue", "Revenue & Sales"), ("product", "Product"), ("finance-admin", "Finance & Administration"),
    ("process-excellence", "Process Excellence"),
]
TEAMS = [("Inbound", "operations", "dub"), ("Picking", "operations", "dub"), ("Packing", "operations", "dub"),
         ("Shipping", "logistics", "dub"), ("Inbound", "operations", "cmh"), ("Packing", "operations", "cmh"),
         ("Support tier 1", "customer-success", "dub")]
# title slug -> (full name, site code, department code)
PEOPLE = {
    "chief-operating-officer": ("Maya Okafor", "hq", "operations"),
    "chief-administrative-officer": ("Daniel Brennan", "hq", "finance-admin"),
    "chief-supply-chain-officer": ("Priya Raman", "hq", "supply-chain"),
    "chief-logistics-officer": ("Tomás Herrera", "hq", "logistics"),
    "vp-of-operations": ("Grace Whitfield", "hq", "operations"),
    "vp-of-supply-chain": ("Hiroshi Tanaka", "hq", "supply-chain"),
    "vp-of-logistics": ("Amara Nwosu", "hq", "logistics"),
    "vp-of-business-operations": ("Lucas Meyer", "hq", "business-operations"),
    "vp-of-customer-experience": ("Sofia Lindqvist", "hq", "customer-success"),
    "vp-of-process-improvement": ("Kwame Mensah", "hq", "process-excellence"),
    "director-of-operations": ("Elena Petrova", "hq", "operations"),
    "director-of-supply-chain": ("Marcus Reid", "rtm", "supply-chain"),
    "director-of-logistics": ("Isabel Costa", "rtm", "logistics"),
    "director-of-business-process-optimization": ("Noah Fischer", "hq", "process-excellence"),
    "director-of-customer-success-and-operations": ("Aisha Karim", "hq", "customer-success"),
    "director-of-continuous-improvement": ("Liam O'Connor", "dub", "process-excellence"),
    "operations-manager": ("Chloé Martin", "dub", "operations"),
    "supply-chain-manager": ("Ravi Patel", "dub", "supply-chain"),
    "logistics-manager": ("Jonas Berg", "dub", "logistics"),
    "business-operations-manager": ("Hannah Schmidt", "hq", "business-operations"),
    "customer-success-operations-manager": ("Mateo Rossi", "dub", "customer-success"),
    "process-improvement-manager": ("Yuki Sato", "dub", "process-excellence"),
    "fulfillment-manager": ("Fiona Gallagher", "dub", "operations"),
    "head-of-business-operations": ("Oliver Grant", "hq", "business-operations"),
    "strategic-operations-lead": ("Zara Ahmed", "hq", "operations"),
    "global-operations-manager": ("Diego Alvarez", "cmh", "operations"),
    "revenue-operations-manager": ("Emily Chen", "hq", "revenue"),
    "sales-operations-manager": ("Samuel Osei", "hq", "revenue"),
    "product-operations-manager": ("Nina Kowalski", "hq", "product"),
    "customer-operations-manager": ("Ben Carter", "cmh", "customer-success"),
    "ecommerce-operations-manager": ("Laura Dubois", "dub", "operations"),
}
SAMPLE_LOG = Path(__file__).resolve().parents[3] / "events" / "samples" / "ocel20_example.jsonocel"


class Command(BaseCommand):
    help = "Load the demo company into the database and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up, print logins, do not serve")
        parser.add_argument("--reset", action="store_true", help="Delete the SQLite file and start again")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.KEEL_DEMO_MODE:
            raise CommandError("The demo company is only for embedded/demo mode (KEEL_DEMO_MODE=true).")
        if options["reset"]:
            name = str(settings.DATABASES["default"]["NAME"])
            if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and os.path.exists(name):
                from django.db import connections

                connections.close_all()
                for suffix in ("", "-wal", "-shm"):
                    Path(name + suffix).unlink(missing_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        logins_path = Path(settings.KEEL_DEMO_LOGINS_FILE)
        if Person.objects.exists():
            self.stdout.write("The demo company is already loaded.")
            if logins_path.exists():
                self.stdout.write(logins_path.read_text())
        else:
            with request_meta(RequestMeta(channel="cli")):
                logins = self.load()
            text = self.format_logins(logins)
            logins_path.parent.mkdir(exist_ok=True)
            logins_path.write_text(text)
            logins_path.chmod(0o600)
            self.stdout.write(text)
            self.stdout.write(f"(These logins are also in {logins_path}.)")
        if not options["no_serve"]:
            call_command("keel_serve", port=options["port"])

    def load(self) -> list[tuple[str, str, str]]:
        with transaction.atomic():
            sites, logins = self.load_people()
        self.load_operations(sites)
        self.load_planning()
        self.load_kpi_targets()
        if SAMPLE_LOG.exists():
            with transaction.atomic():
                event_services.import_log(actor=None, log=ocel.read_log(SAMPLE_LOG), source="ocel-example",
                                          filename=SAMPLE_LOG.name)
        return logins

    def load_planning(self) -> None:
        """A first planning run, so the workbench, item pages, accuracy report and the
        forecast-accuracy KPI show the simulated company (the planted item on top)."""
        from keel.planning.services import run_planning

        with request_meta(RequestMeta(channel="cli")):
            run = run_planning(actor=Person.objects.get(email="admin@example.com"))
        self.stdout.write(f"Planning run {run.pk}: {run.item_count} item plans, {run.status}.")

    def load_kpi_targets(self) -> None:
        """KPI targets, so the dashboards show statuses; then the first alert evaluation."""
        from keel.dashboards.demo import set_demo_targets
        from keel.dashboards.services import evaluate_alerts

        admin = Person.objects.get(email="admin@example.com")
        count = set_demo_targets(actor=admin)
        result = evaluate_alerts()
        self.stdout.write(f"{count} KPI targets set; {result.alerts} KPI alerts for their owners.")

    def load_people(self) -> tuple[dict[str, Site], list[tuple[str, str, str]]]:
        sites = {
            code: services.create_site(actor=None, code=code, name=name, kind=kind, country=country,
                                       currency=currency, time_zone=zone)
            for code, name, kind, country, currency, zone in SITES
        }
        departments = {code: services.create_department(actor=None, code=code, name=name) for code, name in DEPARTMENTS}
        teams: dict[tuple[str, str], Team] = {}
        for name, department, site in TEAMS:
            teams[(department, site)] = services.create_team(
                actor=None, name=name, department=departments[department], site=sites[site]
            )
        logins = []
        admin_password = secrets.token_urlsafe(12)
        services.create_person(
            actor=None, email="admin@example.com", full_name="Keel Administrator",
            title=JobTitle.objects.get(slug="chief-operating-officer"), site=sites["hq"],
            department=departments["operations"], password=admin_password, is_superuser=True,
        )
        logins.append(("admin@example.com", admin_password, "Administrator (all actions)"))
        for title in JobTitle.objects.order_by("sort_order"):
            full_name, site_code, department_code = PEOPLE[title.slug]
            password = secrets.token_urlsafe(12)
            email = f"{title.slug}@example.com"
            services.create_person(
                actor=None, email=email, full_name=full_name, title=title, site=sites[site_code],
                department=departments[department_code], password=password,
                team=teams.get((department_code, site_code)),
                time_zone={s[0]: s[5] for s in SITES}[site_code],
            )
            logins.append((email, password, title.name))
        return sites, logins

    def load_operations(self, sites: dict[str, Site]) -> None:
        """Simulate the company's recent operations through the domain services
        (keel/simulation/scenarios/default.toml), then a few things happening today."""
        from keel.simulation.runner import simulate
        from keel.simulation.scenario import Scenario

        scenario = Scenario.load(days=settings.KEEL_DEMO_DAYS, orders_per_day=settings.KEEL_DEMO_ORDERS_PER_DAY)
        self.stdout.write(f"Simulating {scenario.days} days of operations (about {scenario.orders_per_day} orders a day)...")
        # The history ends now: today's orders are in the queues, half worked.
        outcome = simulate(scenario, until=timezone.now(), progress=self.progress)
        self.stdout.write(f"\n{outcome.world.totals.orders:,} orders, {outcome.world.totals.purchase_orders:,} purchase "
                          f"orders in {outcome.seconds:.0f} s.")
        self.load_today(sites)
        self.load_process_models()

    def load_process_models(self) -> None:
        """Intended models and an improvement initiative (keel/processes/demo.py)."""
        from keel.processes.demo import load_demo

        # Created company-wide (the VP's scope), owned by the site's improvement manager.
        actor = Person.objects.get(email="vp-of-process-improvement@example.com")
        owner = Person.objects.get(email="process-improvement-manager@example.com")
        load_demo(actor=actor, owner=owner, today=timezone.localdate(), days=settings.KEEL_DEMO_DAYS)

    def progress(self, day: int, world: Any) -> None:
        width, days = 30, world.scenario.days + 1
        done = width * day // days
        self.stdout.write(f"\r  [{'#' * done}{'.' * (width - done)}] day {day}/{days}, {world.totals.orders:,} orders",
                          ending="")
        self.stdout.flush()

    def load_today(self, sites: dict[str, Site]) -> None:
        """Work in progress today: a held order, a transfer in transit, a count to approve."""
        from decimal import Decimal

        from keel.orders import services as orders
        from keel.orders.models import Customer, SalesOrder
        from keel.supply_chain import transfers
        from keel.supply_chain.models import StockBalance

        manager = Person.objects.get(email="fulfillment-manager@example.com")
        logistics = Person.objects.get(email="logistics-manager@example.com")
        with transaction.atomic():
            balances = list(StockBalance.objects.filter(location__site=sites["dub"], on_hand__gt=40)
                            .select_related("item", "location").order_by("-on_hand", "pk")[:3])
            # An order waiting in Dublin's queue; late in the day the queue may be empty: then a
            # phone order taken now (the customer calls back to change the date before it is worked).
            waiting = SalesOrder.objects.filter(ship_from=sites["dub"], status__in=["confirmed", "allocated"],
                                                is_on_hold=False).order_by("pk").first()
            customer = Customer.objects.filter(is_active=True).order_by("pk").first()
            if waiting is None and customer is not None and balances:
                waiting = orders.create_order(
                    actor=manager, customer=customer, ship_from=sites["dub"], confirm=True,
                    lines=[orders.OrderLineInput(item=balances[-1].item, quantity=Decimal(2))])
            if waiting is not None:
                orders.hold_order(actor=manager, order=waiting, reason="Customer asked to change the delivery date")
            if balances:
                transfer = transfers.create_transfer(
                    actor=logistics, from_site=sites["dub"], to_site=sites["rtm"], notes="Stock for the Rotterdam launch",
                    lines=[transfers.TransferLineIn(item=balance.item, quantity=Decimal(10), from_location=balance.location)
                           for balance in balances])
                transfers.ship_transfer(actor=logistics, transfer=transfer)
                count = transfers.create_count(actor=logistics, site=sites["dub"], items=[balances[0].item])
                line = count.lines.order_by("line_number").first()
                if line is not None:
                    transfers.record_counts(actor=logistics, count=count, counts=[transfers.CountIn(
                        line=line.line_number, counted_quantity=line.expected_quantity - 3, reason="damaged")])

    def format_logins(self, logins: list[tuple[str, str, str]]) -> str:
        width = max(len(email) for email, _, _ in logins)
        lines = ["", "Keel demo company: sign in at the address below with any of these logins.", ""]
        lines += [f"  {email:<{width}}  {password}  {title}" for email, password, title in logins]
        return "\n".join(lines) + "\n"
