"""The REST API under /api/v1 with its OpenAPI 3 schema at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from keel.audit.api import router as audit_router
from keel.core.api import install_problem_handlers
from keel.dashboards.api import router as dashboards_router
from keel.events.api import router as events_router
from keel.kpis.api import router as kpis_router
from keel.orders.api import router as orders_router
from keel.organization.api import router as organization_router
from keel.planning.api import router as planning_router
from keel.processes.api import router as processes_router
from keel.supply_chain.api import router as supply_chain_router

api = NinjaAPI(
    title="Keel API",
    version="1.0.0",
    description=(
        "The Keel operations platform. Authenticate with `Authorization: Bearer <token>` "
        "(create tokens under Technology & automation → API tokens). Every operation names "
        "the action it needs in `x-keel-action`. Errors are RFC 9457 problem+json."
    ),
    urls_namespace="api",
)
install_problem_handlers(api)
api.add_router("/", organization_router)
api.add_router("/", events_router)
api.add_router("/", audit_router)
api.add_router("/", supply_chain_router)
api.add_router("/", orders_router)
api.add_router("/", processes_router)
api.add_router("/", planning_router)
api.add_router("/", kpis_router)
api.add_router("/", dashboards_router)
