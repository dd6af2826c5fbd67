"""Actions of the process mining screens and API.

Reading process maps, variants, bottlenecks, case timelines and comparisons is part of
the Process optimization area at VIEW level; what a person sees is further limited by
their data scope (the events of their sites or departments).
"""

from keel.core.permissions import Area, Level, declare

VIEW_PROCESS = declare("processes.view_process", area=Area.PROCESS, minimum_level=Level.VIEW,
                       label="Analyse processes: maps, variants, bottlenecks, case timelines, comparisons")
