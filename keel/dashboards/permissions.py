"""Actions of the dashboards app.

Everyone signed in has a home dashboard and receives the KPI alerts of the KPIs their
title owns (level NONE: a preset can still revoke them). Which tiles a person sees is
decided per KPI by the KPI's own action (``KpiSpec.action``), never by these. Presets
are part of administering Keel: viewing them needs VIEW, editing them MANAGE.
"""

from keel.core.permissions import Area, Level, declare

A = Area.ADMINISTRATION

VIEW_DASHBOARD = declare("dashboards.view_dashboard", area=A, minimum_level=Level.NONE,
                         label="See and arrange your own home dashboard")
VIEW_ALERTS = declare("dashboards.view_alerts", area=A, minimum_level=Level.NONE,
                      label="See and mark as read the KPI alerts sent to you")
VIEW_PRESET = declare("dashboards.view_preset", area=A, minimum_level=Level.VIEW,
                      label="View the dashboard preset of each job title")
CHANGE_PRESET = declare("dashboards.change_preset", area=A, minimum_level=Level.MANAGE,
                        label="Edit the dashboard preset of each job title")
