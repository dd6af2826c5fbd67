"""Actions of the process area.

Reading process maps, variants, bottlenecks, case timelines and comparisons, conformance
and initiatives is part of the Process optimization area at VIEW level; what a person
sees is further limited by their data scope (the events of their sites or departments).
"""

from keel.core.permissions import Area, Level, declare

VIEW_PROCESS = declare("processes.view_process", area=Area.PROCESS, minimum_level=Level.VIEW,
                       label="Analyse processes: maps, variants, bottlenecks, case timelines, comparisons")

# --- Part B: intended models, conformance, improvement initiatives, imported logs. -----
P = Area.PROCESS
MANAGE_MODEL = declare("processes.manage_model", area=P, minimum_level=Level.MANAGE,
                       label="Define, derive and change intended process models")
MANAGE_INITIATIVE = declare("processes.manage_initiative", area=P, minimum_level=Level.OPERATE,
                            label="Start and update improvement initiatives")
IMPORT_LOG = declare("processes.import_log", area=P, minimum_level=Level.MANAGE,
                     label="Import, export and delete external event logs (CSV, XES, OCEL 2.0)")
