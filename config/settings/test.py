"""Test settings: the database comes from KEEL_DATABASE_URL like every other mode."""

from config.settings.base import *

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
# SQLite tests use a file, not the shared in-memory database, so that threads in the
# concurrency tests each get a real connection with WAL and a busy timeout.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-keel.sqlite3")}
KEEL_DEMO_MODE = False
