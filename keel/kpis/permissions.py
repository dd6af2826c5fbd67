"""Actions of the KPI app.

Seeing the catalogue needs nothing beyond signing in; each KPI additionally needs the
action named in its spec (its data's own view action), so a KPI never shows numbers its
reader could not see in the records behind it. Cost, service, risk and automation KPIs
have their own view actions in those areas until the areas' apps declare theirs.
"""

from keel.core.permissions import Area, Level, declare

VIEW_KPI = declare("kpis.view_kpi", area=Area.PROCESS, minimum_level=Level.NONE,
                   label="View the KPI catalogue, values, history and drill-downs")
MANAGE_TARGET = declare("kpis.manage_target", area=Area.ADMINISTRATION, minimum_level=Level.MANAGE,
                        label="Set any KPI's targets and thresholds (owners may set their own KPIs')")
SNAPSHOT_KPI = declare("kpis.snapshot_kpi", area=Area.ADMINISTRATION, minimum_level=Level.MANAGE,
                       label="Store KPI history snapshots")
VIEW_COST_KPI = declare("kpis.view_cost_kpi", area=Area.COSTS, minimum_level=Level.VIEW,
                        label="View cost KPIs (labour, carrying cost, acquisition cost, budgets)")
VIEW_SERVICE_KPI = declare("kpis.view_service_kpi", area=Area.SERVICE, minimum_level=Level.VIEW,
                           label="View customer service KPIs (tickets, SLAs, CSAT, returns)")
VIEW_RISK_KPI = declare("kpis.view_risk_kpi", area=Area.RISK, minimum_level=Level.VIEW,
                        label="View risk and compliance KPIs")
VIEW_AUTOMATION_KPI = declare("kpis.view_automation_kpi", area=Area.AUTOMATION, minimum_level=Level.VIEW,
                              label="View automation KPIs")
