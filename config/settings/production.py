"""Production mode: PostgreSQL, a persistent task queue, HTTPS, no default accounts.

Required environment: KEEL_SECRET_KEY, KEEL_ALLOWED_HOSTS, KEEL_DATABASE_URL.
"""

from config.settings.base import *

SECRET_KEY = env_str("KEEL_SECRET_KEY")
ALLOWED_HOSTS = env_list("KEEL_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set KEEL_ALLOWED_HOSTS to the host names Keel serves.")
DEBUG = False
KEEL_DEMO_MODE = False

SECURE_SSL_REDIRECT = env_bool("KEEL_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("KEEL_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("KEEL_CSRF_TRUSTED_ORIGINS", [])

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

TASKS = {"default": {"BACKEND": TASK_BACKENDS[env_str("KEEL_TASKS", "database")]}}
