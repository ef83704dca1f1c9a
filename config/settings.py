"""Monograph settings, driven by environment variables.

Local development needs none of them: SQLite in var/, debug on, a throwaway
secret key. Production sets DJANGO_DEBUG=false and must then provide
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS, or the process refuses to start.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from compounds.disclaimer import REQUIRED_DISCLAIMER

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MONOGRAPH_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    # A fixed development key is fine: with debug on nothing is public.
    SECRET_KEY = SECRET_KEY or "django-insecure-monograph-development-only"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set (comma-separated) when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Django's own CSRF failure page has no disclaimer; readers can reach it by posting a stale form.
CSRF_FAILURE_VIEW = "compounds.views.csrf_failure"

INSTALLED_APPS = [
    "compounds.apps.MonographAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "markdownx",
    "reversion",
    "adminsortable2",
    "import_export",
    "csp",
    "evidence",
    "compounds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session, authentication and CSRF middleware: a cached public page needs none of them.
    "compounds.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        # No "loaders" here: Django wraps the default loaders in the cached loader itself.
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    CONN_MAX_AGE = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "monograph.sqlite3",
        }
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "monograph")
if REDIS_URL:
    # Every app server shares these: the page cache's invalidations reach all of them at once.
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:{alias}",
        }
        for alias in ("default", "pages")
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        # One process's memory: several processes stay exact through a stamp file (compounds/page_cache.py).
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("MONOGRAPH_PAGE_CACHE_ENTRIES", "500"))},
        },
    }

# Full-page cache of public pages (compounds/page_cache.py): on unless switched off (the benchmark measures both).
MONOGRAPH_PAGE_CACHE = env_bool("MONOGRAPH_PAGE_CACHE", True)
# Processes sharing this machine's local-memory page caches learn of each other's invalidations through this file.
MONOGRAPH_PAGE_CACHE_STAMP = os.environ.get("MONOGRAPH_PAGE_CACHE_STAMP", str(VAR_DIR / "page-cache.stamp"))
MONOGRAPH_PAGE_CACHE_SECONDS = int(os.environ.get("MONOGRAPH_PAGE_CACHE_SECONDS", str(24 * 3600)))
# How long a CDN or other shared cache in front may serve a public page without asking again (browsers always ask;
# an unchanged page then costs a 304).
MONOGRAPH_CDN_MAX_AGE = int(os.environ.get("MONOGRAPH_CDN_MAX_AGE", "60"))

# Spreadsheet import/export (compounds/spreadsheets.py). The library lets any staff user import and export unless
# told which permissions to ask for, and keeps the uploaded file in a process-local temporary file between
# preview and confirm; the database is shared by every app server.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_TMP_STORAGE_CLASS = "compounds.spreadsheets.DatabaseStorage"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
if DEBUG:
    # WhiteNoise serves from the finders in debug but warns when STATIC_ROOT is missing.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Security headers. HTTPS-only settings switch on with debug off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# No inline scripts anywhere: all JavaScript lives in static files.
# Inline styles stay allowed for now because Django's admin templates use style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# django-markdownx: preview goes through the project's one renderer (sanitized);
# uploads accept only real JPEG/PNG images of modest size.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "compounds.rendering.markdownify_preview"
MARKDOWNX_UPLOAD_CONTENT_TYPES = ("image/jpeg", "image/png")
MARKDOWNX_UPLOAD_MAX_SIZE = 2 * 1024 * 1024
MARKDOWNX_MEDIA_PATH = "uploads/"

# A site may append to the disclaimer but not shorten it: the check monograph.E001 refuses a setting without
# the full required text (compounds/disclaimer.py).
MONOGRAPH_DISCLAIMER = REQUIRED_DISCLAIMER
MONOGRAPH_PAGE_SIZE = 20
# Links in e-mails (submitted-for-review notices) start here when no request tells the site's address.
# Unset in production: public pages use the address each request came in on (never a development default in
# canonical links, the sitemap or the feed); e-mails sent outside a request then need it set.
MONOGRAPH_SITE_URL = os.environ.get("MONOGRAPH_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")

# E-mail: printed to the console unless an SMTP server is configured (production: set EMAIL_HOST and friends).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Monograph <monograph@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "compounds.permissions.CompoundObjectPermissionBackend",
]
