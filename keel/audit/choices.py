from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    APPROVE = "approve", "Approve"
    IMPORT = "import", "Import"
    EXPORT = "export", "Export"
    PERMISSION_CHANGE = "permission_change", "Permission change"
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logout"
    ACCESS_DENIED = "access_denied", "Refused access"
