from keel.core.permissions import Area, Level, declare

VIEW_EVENT = declare("events.view_event", area=Area.PROCESS, minimum_level=Level.VIEW, label="Browse the operations event log")
EXPORT_EVENTS = declare("events.export_events", area=Area.PROCESS, minimum_level=Level.OPERATE, label="Export the event log (OCEL 2.0)")
INGEST_EVENTS = declare("events.ingest_events", area=Area.AUTOMATION, minimum_level=Level.OPERATE, label="Send events from other systems")
IMPORT_EVENTS = declare("events.import_events", area=Area.AUTOMATION, minimum_level=Level.MANAGE, label="Import event log files")
