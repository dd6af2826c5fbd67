"""Actions of the process area (process mining screens, intended models, conformance,
improvement initiatives, imported logs)."""

from keel.core.permissions import Area, Level, declare

P = Area.PROCESS

# --- Shared with part A (process maps, variants, bottlenecks). Part A declares it too:
# when both blocks meet, keep one declaration (same code, area and level).
VIEW_PROCESS = declare("processes.view_process", area=P, minimum_level=Level.VIEW,
                       label="View process maps, variants, bottlenecks, conformance and initiatives")

# --- Part B: intended models, conformance, improvement initiatives, imported logs. -----
MANAGE_MODEL = declare("processes.manage_model", area=P, minimum_level=Level.MANAGE,
                       label="Define, derive and change intended process models")
MANAGE_INITIATIVE = declare("processes.manage_initiative", area=P, minimum_level=Level.OPERATE,
                            label="Start and update improvement initiatives")
IMPORT_LOG = declare("processes.import_log", area=P, minimum_level=Level.MANAGE,
                     label="Import, export and delete external event logs (CSV, XES, OCEL 2.0)")
