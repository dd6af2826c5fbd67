"""Embedded mode: one process, SQLite file, in-process tasks (`make demo`)."""

from config.settings.base import *

KEEL_DEMO_MODE = env_bool("KEEL_DEMO_MODE", True)
