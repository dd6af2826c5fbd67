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

from keel.core.context import RequestMeta, request_meta
from keel.events import ocel
from keel.events import services as event_services
from keel.organization import services
from keel.organization.models import JobTitle, Person, Site, Team
from keel.supply_chain import services as stock

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
    "supply-chain-manager": ("Ravi Patel", "rtm", "supply-chain"),
    "logistics-manager": ("Jonas Berg", "rtm", "logistics"),
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
# (sku, name, category, unit, standard cost EUR, list price EUR)
ITEMS = [
    ("TEE-BLK-M", "Organic tee, black, M", "Apparel", "each", "4.10", "19.00"),
    ("TEE-BLK-L", "Organic tee, black, L", "Apparel", "each", "4.10", "19.00"),
    ("TEE-WHT-M", "Organic tee, white, M", "Apparel", "each", "3.95", "19.00"),
    ("HOOD-GRY-M", "Hoodie, grey, M", "Apparel", "each", "11.20", "49.00"),
    ("CAP-NVY", "Cap, navy", "Accessories", "each", "2.60", "15.00"),
    ("BOTTLE-750", "Steel bottle 750 ml", "Accessories", "each", "3.40", "18.00"),
    ("MUG-CER-350", "Ceramic mug 350 ml", "Home", "each", "1.90", "12.00"),
    ("CANDLE-SOY", "Soy candle", "Home", "each", "2.30", "16.00"),
    ("COFFEE-1KG", "Coffee beans", "Pantry", "kg", "9.80", "24.00"),
    ("TEA-LOOSE", "Loose-leaf tea", "Pantry", "kg", "14.50", "38.00"),
    ("BOX-S", "Shipping box, small", "Packaging", "each", "0.21", ""),
    ("BOX-M", "Shipping box, medium", "Packaging", "each", "0.34", ""),
]
BINS = ["A-01", "A-02", "B-01", "B-02"]
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

    @transaction.atomic
    def load(self) -> list[tuple[str, str, str]]:
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
        self.load_stock(sites)
        self.load_operations(sites)
        if SAMPLE_LOG.exists():
            event_services.import_log(actor=None, log=ocel.read_log(SAMPLE_LOG), source="ocel-example",
                                      filename=SAMPLE_LOG.name)
        return logins

    def load_stock(self, sites: dict[str, Site]) -> None:
        """Items, bins at the three warehouses, opening stock and a little activity."""
        from decimal import Decimal

        items = [
            stock.create_item(actor=None, sku=sku, name=name, category=category, unit=unit,
                              standard_cost=cost, cost_currency="EUR", list_price=price or None,
                              price_currency="EUR" if price else "")
            for sku, name, category, unit, cost, price in ITEMS
        ]
        for code in ("dub", "rtm", "cmh"):
            site = sites[code]
            places = [stock.create_location(actor=None, site=site, code=bin_code, zone=bin_code[0]) for bin_code in BINS]
            stock.create_location(actor=None, site=site, code="DOCK-IN", kind="receiving")
            stock.create_location(actor=None, site=site, code="HOLD", kind="quarantine")
            lines = [
                stock.MovementLine(item=item, location=places[number % len(places)],
                                   quantity=Decimal(20 + (number * 37 + len(code) * 11) % 180))
                for number, item in enumerate(items)
            ]
            stock.post_movements(actor=None, reason="receipt", lines=lines, reference=f"opening_stock:{code}",
                                 note="Opening stock")
            stock.post_movements(actor=None, reason="reservation", lines=[
                stock.MovementLine(item=items[0], location=places[0], reserved_quantity=Decimal(12)),
            ])
            stock.post_movements(actor=None, reason="shipment", reference=f"sales_order:demo-{code}", lines=[
                stock.MovementLine(item=items[0], location=places[0], quantity=Decimal(-5), reserved_quantity=Decimal(-5)),
                stock.MovementLine(item=items[4], location=places[0], quantity=Decimal(-3)),
            ])
            stock.post_movements(actor=None, reason="scrap", note="Damaged in handling", lines=[
                stock.MovementLine(item=items[6], location=places[2], quantity=Decimal(-2)),
            ])

    def load_operations(self, sites: dict[str, Site]) -> None:
        """Suppliers and purchase orders in every state, and a Dublin fulfillment queue."""
        from datetime import timedelta
        from decimal import Decimal

        from django.utils import timezone

        from keel.core.money import Money
        from keel.orders import services as orders
        from keel.supply_chain.models import Item, Location

        buyer = Person.objects.get(email="supply-chain-manager@example.com")
        director = Person.objects.get(email="director-of-supply-chain@example.com")
        packer = Person.objects.get(email="fulfillment-manager@example.com")
        item = {sku: Item.objects.get(sku=sku) for sku, *_ in ITEMS}
        today = timezone.localdate()
        textiles = stock.create_supplier(actor=None, code="NORDTEX", name="Nordtex Apparel", currency="EUR",
                                         contact_name="Ingrid Holm", contact_email="orders@nordtex.example",
                                         payment_terms_days=30, lead_time_days=12)
        roasters = stock.create_supplier(actor=None, code="HILLROAST", name="Hill Roasters", currency="EUR",
                                         contact_email="sales@hillroast.example", payment_terms_days=14, lead_time_days=5)
        for supplier, sku, moq, multiple, breaks in (
            (textiles, "TEE-BLK-M", 50, 10, [(50, "4.30"), (200, "4.05")]),
            (textiles, "TEE-BLK-L", 50, 10, [(50, "4.30"), (200, "4.05")]),
            (textiles, "HOOD-GRY-M", 20, 5, [(20, "11.60"), (100, "10.90")]),
            (roasters, "COFFEE-1KG", 10, 1, [(10, "10.20"), (50, "9.60")]),
            (roasters, "TEA-LOOSE", 5, 1, [(5, "15.10")]),
        ):
            stock.save_supplier_item(actor=None, supplier=supplier, item=item[sku], supplier_sku=f"{supplier.code}-{sku}",
                                     minimum_order_quantity=moq, order_multiple=multiple, price_breaks=breaks)
        dublin = sites["dub"]
        dock = Location.objects.get(site=dublin, code="A-01")

        def purchase(supplier: Any, lines: list[tuple[str, int]], days: int) -> Any:
            return stock.create_purchase_order(
                actor=buyer, supplier=supplier, site=dublin, expected_on=today + timedelta(days=days),
                lines=[stock.OrderLineIn(item=item[sku], quantity=Decimal(quantity)) for sku, quantity in lines],
            )

        purchase(textiles, [("TEE-BLK-L", 100)], 14)  # a draft
        submitted = purchase(roasters, [("TEA-LOOSE", 10)], 6)
        stock.submit_purchase_order(actor=buyer, order=submitted)
        for lines, received in (([("TEE-BLK-M", 200), ("HOOD-GRY-M", 40)], "part"), ([("COFFEE-1KG", 60)], "all"),
                                ([("HOOD-GRY-M", 20)], "none")):
            order = purchase(textiles if lines[0][0] != "COFFEE-1KG" else roasters, lines, 10)
            stock.submit_purchase_order(actor=buyer, order=order)
            stock.approve_purchase_order(actor=director, order=order)
            stock.send_purchase_order(actor=buyer, order=order)
            if received != "none":
                first = order.lines.order_by("pk").first()
                quantity = first.ordered_quantity if received == "all" else first.ordered_quantity / 2
                stock.receive_purchase_order(actor=buyer, order=order, lines=[
                    stock.ReceiveLine(line=first, quantity=quantity, location=dock)])

        web = orders.create_sales_channel(actor=None, code="web", name="Web store", kind="web_store")
        market = orders.create_sales_channel(actor=None, code="marketplace", name="Marketplace EU", kind="marketplace")
        trade = orders.create_sales_channel(actor=None, code="wholesale", name="Wholesale", kind="wholesale")
        customers = [
            orders.create_customer(actor=None, code="C-1001", name="Aoife Byrne", country="IE", email="aoife@example.com", channel=web),
            orders.create_customer(actor=None, code="C-1002", name="Lukas Weber", country="DE", channel=market),
            orders.create_customer(actor=None, code="C-2001", name="Harbour Coffee Ltd", country="IE", channel=trade),
        ]
        carrier = orders.create_carrier(actor=None, code="dhl", name="DHL", services=[("Express", 1), ("Economy", 4)])
        express = carrier.services.get(name="Express")

        def sell(customer: Any, lines: list[tuple[str, int]], days: int, reference: str) -> Any:
            return orders.create_order(
                actor=packer, customer=customer, ship_from=dublin, confirm=True, customer_reference=reference,
                promised_ship_on=today + timedelta(days=days), promised_delivery_on=today + timedelta(days=days + 2),
                lines=[orders.OrderLineInput(item=item[sku], quantity=Decimal(quantity)) for sku, quantity in lines],
            )

        late = sell(customers[0], [("TEE-BLK-M", 2), ("MUG-CER-350", 1)], -2, "WEB-48211")
        orders.allocate_order(actor=packer, order=late)
        due = sell(customers[1], [("CAP-NVY", 3)], 0, "MKT-302-117")
        orders.allocate_order(actor=packer, order=due)
        held = sell(customers[0], [("CANDLE-SOY", 2)], 3, "WEB-48240")
        orders.allocate_order(actor=packer, order=held)
        orders.hold_order(actor=packer, order=held, reason="Address check")
        sell(customers[2], [("COFFEE-1KG", 8)], 5, "HC-7790")
        shipped = sell(customers[2], [("MUG-CER-350", 6)], -1, "HC-7781")
        orders.allocate_order(actor=packer, order=shipped)
        picks = orders.create_pick_list(actor=packer, order=shipped)
        orders.confirm_picks(actor=packer, pick_list=picks)
        orders.pack_order(actor=packer, order=shipped, weight_kg=Decimal("2.4"))
        shipment = orders.ship_order(actor=packer, order=shipped, carrier_service=express, tracking_number="JD014600006781",
                                     shipping_cost=Money.of("9.40", "EUR"))
        orders.confirm_delivery(actor=packer, shipment=shipment)

    def format_logins(self, logins: list[tuple[str, str, str]]) -> str:
        width = max(len(email) for email, _, _ in logins)
        lines = ["", "Keel demo company: sign in at the address below with any of these logins.", ""]
        lines += [f"  {email:<{width}}  {password}  {title}" for email, password, title in logins]
        return "\n".join(lines) + "\n"
