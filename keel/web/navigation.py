"""The navigation: the six operations areas plus administration, with what each holds.

An area lists its pages; a page shows only to people whose role allows its action.
Areas whose pages are not built yet say so plainly on their area page.
"""

from __future__ import annotations

from dataclasses import dataclass

from keel.core.permissions import AREA_LABELS, Area


@dataclass(frozen=True, slots=True)
class NavPage:
    label: str
    url_name: str
    action: str


@dataclass(frozen=True, slots=True)
class NavArea:
    area: Area
    icon: str
    summary: str
    pages: tuple[NavPage, ...]
    planned: tuple[str, ...]

    @property
    def label(self) -> str:
        return AREA_LABELS[self.area]


AREAS: tuple[NavArea, ...] = (
    NavArea(
        Area.PROCESS, "◆",
        "Process mining on Keel's own event log: maps, bottlenecks, variants, conformance.",
        (
            NavPage("Event log", "events:list", "events.view_event"),
            NavPage("Process maps and bottlenecks", "processes:list", "processes.view_process"),
            NavPage("Conformance", "processes:conformance", "processes.view_process"),
            NavPage("Intended process models", "processes:models", "processes.view_process"),
            NavPage("Improvement initiatives", "processes:initiatives", "processes.view_process"),
            NavPage("Imported logs", "processes:logs", "processes.view_process"),
            NavPage("KPI catalogue", "kpis:catalogue", "kpis.view_kpi"),
        ),
        (),
    ),
    NavArea(
        Area.SUPPLY_CHAIN, "▣",
        "Items, stock, purchasing, fulfillment, transfers, forecasting and replenishment.",
        (
            NavPage("Items & stock", "supply_chain:items", "supply_chain.view_item"),
            NavPage("Stock ledger", "supply_chain:movements", "supply_chain.view_item"),
            NavPage("Locations", "supply_chain:locations", "supply_chain.view_item"),
            NavPage("Suppliers", "supply_chain:suppliers", "supply_chain.view_supplier"),
            NavPage("Purchase orders", "supply_chain:purchase-orders", "supply_chain.view_purchase_order"),
            NavPage("Transfers", "supply_chain:transfers", "supply_chain.move_stock"),
            NavPage("Cycle counts", "supply_chain:counts", "supply_chain.adjust_stock"),
            NavPage("Replenishment", "planning:workbench", "planning.view_plan"),
            NavPage("Forecast accuracy", "planning:accuracy", "planning.view_plan"),
            NavPage("Service targets", "planning:targets", "planning.view_plan"),
            NavPage("Fulfillment queue", "orders:queue", "orders.view_order"),
            NavPage("Sales orders", "orders:list", "orders.view_order"),
            NavPage("Shipments", "orders:shipments", "orders.view_order"),
        ),
        (),
    ),
    NavArea(
        Area.COSTS, "◧",
        "Cost centres, budgets, unit economics, cost-to-serve and capacity allocation.",
        (),
        ("Budgets and variance", "Unit economics", "Labour and capacity allocation"),
    ),
    NavArea(
        Area.RISK, "◈",
        "Risk register, controls, compliance evidence, incidents and the audit trail.",
        (NavPage("Audit trail", "audit:list", "audit.view_audit"),),
        ("Risk register", "Controls and tests", "Compliance calendar", "Incidents"),
    ),
    NavArea(
        Area.AUTOMATION, "⚙",
        "Rules, webhooks, integrations, API tokens, imports and scheduled jobs.",
        (
            NavPage("API tokens", "organization:tokens", "organization.manage_own_tokens"),
            NavPage("Import event log", "events:import", "events.import_events"),
        ),
        ("Rules and actions", "Webhooks", "Scheduled jobs"),
    ),
    NavArea(
        Area.SERVICE, "✉",
        "Customers, tickets with SLAs, returns and refunds, satisfaction.",
        (NavPage("Customers", "orders:customers", "orders.view_customer"),),
        ("Tickets and SLAs", "Returns and RMA", "Customer satisfaction"),
    ),
    NavArea(
        Area.ADMINISTRATION, "☰",
        "People, job titles and role presets, sites and departments.",
        (
            NavPage("People", "organization:people", "organization.view_person"),
            NavPage("Job titles & presets", "organization:titles", "organization.view_job_title"),
            NavPage("Dashboard presets", "dashboards:presets", "dashboards.view_preset"),
            NavPage("Sites & departments", "organization:sites", "organization.view_site"),
        ),
        (),
    ),
)


def area_by_slug(slug: str) -> NavArea | None:
    for area in AREAS:
        if area.area.value == slug:
            return area
    return None
