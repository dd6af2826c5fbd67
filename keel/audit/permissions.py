from keel.core.permissions import Area, Level, declare

VIEW_AUDIT = declare("audit.view_audit", area=Area.RISK, minimum_level=Level.OPERATE, label="Read the audit trail")
EXPORT_AUDIT = declare("audit.export_audit", area=Area.RISK, minimum_level=Level.MANAGE, label="Export the audit trail")
