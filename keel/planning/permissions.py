"""Actions of the planning app (forecasts, policies, replenishment proposals)."""

from keel.core.permissions import Area, Level, declare

A = Area.SUPPLY_CHAIN

VIEW_PLAN = declare("planning.view_plan", area=A, minimum_level=Level.VIEW,
                    label="View planning runs, the replenishment workbench, item plans and forecast accuracy")
RUN_PLAN = declare("planning.run_plan", area=A, minimum_level=Level.OPERATE, label="Start a planning run")
APPROVE_PROPOSAL = declare("planning.approve_proposal", area=A, minimum_level=Level.MANAGE,
                           label="Approve replenishment proposals into draft purchase orders")
MANAGE_TARGETS = declare("planning.manage_targets", area=A, minimum_level=Level.MANAGE,
                         label="Set service targets and per-item policy overrides")
