"""The catalogue of 31 operations job titles and their role presets (data, reversible).

Area levels: none < view < operate < manage. Data scope: company, site or department.
Admins can edit presets and add titles afterwards; this migration only seeds them.
"""

from django.db import migrations

N, V, O, M = "none", "view", "operate", "manage"
AREAS = ("process", "supply_chain", "costs", "risk", "automation", "service", "administration")

# (name, level, scope, focus, levels in AREAS order)
CATALOGUE = [
    ("Chief Operating Officer (COO)", "executive", "company", "All areas, company-wide; strategy vs execution, cross-department KPIs", (M, M, M, M, M, M, M)),
    ("Chief Administrative Officer (CAO)", "executive", "company", "Internal governance, compliance, policies, HR-side operations, budgets", (V, V, M, M, O, V, M)),
    ("Chief Supply Chain Officer (CSCO)", "executive", "company", "Procurement, suppliers, inventory, production/distribution, supply risk, sourcing", (O, M, O, O, V, V, V)),
    ("Chief Logistics Officer (CLO)", "executive", "company", "Transportation, carriers, last mile, warehousing, inventory placement", (O, M, O, V, V, V, V)),
    ("VP of Operations", "senior", "company", "Operational strategy, department budgets and KPIs", (M, M, M, O, O, O, V)),
    ("VP of Supply Chain", "senior", "company", "Supply chain optimization, supply risk", (O, M, O, O, V, V, V)),
    ("VP of Logistics", "senior", "company", "Transport and fulfillment networks", (O, M, O, V, V, V, V)),
    ("VP of Business Operations", "senior", "company", "Internal process efficiency, cross-functional operations", (M, V, M, O, M, V, V)),
    ("VP of Customer Experience", "senior", "company", "Customer satisfaction, service levels, returns", (O, V, O, V, O, M, V)),
    ("VP of Process Improvement", "senior", "company", "Continuous improvement programme across departments", (M, V, V, V, O, V, V)),
    ("Director of Operations", "director", "company", "Daily operations, workforce efficiency, process improvements", (O, O, O, V, V, V, V)),
    ("Director of Supply Chain", "director", "company", "Supplier relationships, inventory management", (V, M, O, O, V, N, V)),
    ("Director of Logistics", "director", "company", "Warehousing, distribution, transport", (V, M, O, V, V, N, V)),
    ("Director of Business Process Optimization", "director", "company", "Workflow improvement, automation initiatives", (M, V, V, V, M, V, V)),
    ("Director of Customer Success & Operations", "director", "company", "Support processes aligned with the business", (O, V, V, N, O, M, V)),
    ("Director of Continuous Improvement", "director", "company", "Lean methods, efficiency initiatives", (M, V, V, V, O, V, V)),
    ("Operations Manager", "manager", "site", "Team operations, efficiency measures (site or team scope)", (O, O, V, V, V, V, V)),
    ("Supply Chain Manager", "manager", "site", "Day-to-day supply chain execution", (V, M, V, V, V, N, V)),
    ("Logistics Manager", "manager", "site", "Distribution centres, transport", (V, O, V, V, V, N, V)),
    ("Business Operations Manager", "manager", "department", "Company-wide operational initiatives", (O, V, O, V, O, V, V)),
    ("Customer Success Operations Manager", "manager", "department", "Support tooling and processes", (V, N, V, N, O, M, V)),
    ("Process Improvement Manager", "manager", "site", "Finds inefficiencies, runs improvement projects", (M, V, V, V, O, V, V)),
    ("Fulfillment Manager", "manager", "site", "Order processing and delivery", (V, O, V, N, V, V, V)),
    ("Head of Business Operations", "specialized", "company", "Strategic planning of internal processes", (M, V, M, O, O, V, V)),
    ("Strategic Operations Lead", "specialized", "company", "Operational initiatives at scale", (O, V, O, V, V, V, V)),
    ("Global Operations Manager", "specialized", "company", "Multinational operations: many sites, currencies, time zones", (O, O, O, O, V, O, V)),
    ("Revenue Operations Manager", "specialized", "department", "Aligns sales, marketing and customer success around revenue", (V, V, O, N, O, O, V)),
    ("Sales Operations Manager", "specialized", "department", "Data-driven support for sales teams", (V, V, O, N, O, V, V)),
    ("Product Operations Manager", "specialized", "department", "Smooth development and launch of products", (O, V, V, N, O, V, V)),
    ("Customer Operations Manager", "specialized", "site", "Service delivery and customer support", (V, V, V, N, V, M, V)),
    ("Ecommerce Operations Manager", "specialized", "site", "Online store logistics and fulfillment", (V, O, V, N, O, O, V)),
]


def slug_of(name):
    import re

    base = name.split(" (")[0]
    return re.sub(r"[^a-z0-9]+", "-", base.lower().replace("&", "and")).strip("-")


def load(apps, schema_editor):
    JobTitle = apps.get_model("organization", "JobTitle")
    for order, (name, level, scope, focus, levels) in enumerate(CATALOGUE, start=1):
        JobTitle.objects.update_or_create(
            slug=slug_of(name),
            defaults={
                "name": name, "level": level, "data_scope": scope, "focus": focus,
                "area_levels": dict(zip(AREAS, levels)), "sort_order": order, "is_catalogue": True,
            },
        )


def unload(apps, schema_editor):
    JobTitle = apps.get_model("organization", "JobTitle")
    JobTitle.objects.filter(slug__in=[slug_of(row[0]) for row in CATALOGUE], people__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("organization", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
