"""Test settings: the database comes from KEEL_DATABASE_URL like every other mode."""

import os

from config.settings.base import *

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
# SQLite tests use a file, not the shared in-memory database, so that threads in the
# concurrency tests each get a real connection with WAL and a busy timeout.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per test process, so that parallel runs never delete each other's tables.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-keel-{os.getpid()}.sqlite3")}
KEEL_DEMO_MODE = False
