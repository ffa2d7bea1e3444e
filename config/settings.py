"""Kangfu settings. Every value that differs between machines comes from the environment."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from config.env import env_bool, env_int, env_list, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# A developer's machine keeps generated local secrets here (git-ignored); production sets
# real environment variables, which always win.
# KANGFU_ENV_FILE="" turns this off (tests of the production defaults do).
_env_file = os.environ.get("KANGFU_ENV_FILE", str(VAR_DIR / "dev.env"))
if _env_file:
    load_env_file(Path(_env_file))

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", default=False)
# DEBUG pages show local variables, decrypted identity included, and switch off the secure
# defaults below: only a developer's var/dev.env (written by `make setup`) may turn it on.
# A server reads its own environment (KANGFU_ENV_FILE="" or another file), so there DEBUG=true
# stops the process at start-up instead of running quietly insecure (docs/operations.md).
_dev_env = VAR_DIR / "dev.env"
DEVELOPMENT = (
    bool(_env_file) and Path(_env_file).resolve() == _dev_env.resolve() and _dev_env.exists()
)
if DEBUG and not DEVELOPMENT:
    raise ImproperlyConfigured(
        "DEBUG=true is refused outside a developer's var/dev.env: it shows personal data on "
        "error pages and turns off secure cookies, HTTPS and HSTS (docs/operations.md)."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kangfu.core",
    "kangfu.access",
    "kangfu.people",
    "kangfu.policy",
    "kangfu.cases",
    "kangfu.risk",
    "kangfu.schedule",
    "kangfu.referrals",
    "kangfu.documents",
    "kangfu.visits",
    "kangfu.reports",
    "kangfu.ledger",
    "kangfu.portal",
    "kangfu.api",
    "kangfu.inbox",
    "kangfu.web",
    "kangfu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after SecurityMiddleware, as whitenoise asks; they are not logged.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # One JSON line per request (route name, status, time; never a path): docs/operations.md.
    "kangfu.core.requestlog.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle deadline moves with use, written at most once a minute (docs/operations.md).
    "kangfu.access.signin.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kangfu.access.signin.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "kangfu.access.signin.middleware.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last, as its documentation asks: it turns lock-outs into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kangfu.access.context_processors.jurisdiction",
                "kangfu.inbox.context_processors.inbox",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kangfu.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles any query its planner thinks costly, which a county-wide
    # list page of 50,000 persons is: 0.6 s of compiling for a query that runs in 0.1 s.
    # Kangfu's queries are short and set-based; JIT does not pay (docs/decisions.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Statements inside kangfu.core.db.prepared() (lookups by a key, one caseload's reminder
    # refresh) are prepared once they have run 5 times on a connection: PostgreSQL spent as
    # long planning the pages' statements as running them. Off for a pooler in transaction
    # mode that cannot keep prepared statements (docs/operations.md).
    if env_bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "access.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Served by whitenoise under gunicorn (`make serve`); hashed, compressed names in production
# (filled by `collectstatic`), plain files while developing.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Source maps are for developers' tools, not worth compressing (brotli on the API docs'
# bundle maps was most of collectstatic's time).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# The default cache is per process (LocMem); "shared" is a table in the database, for
# counters that every worker process must see alike (the API rate limit). Its table is made
# by a migration (kangfu/api/migrations/0002_shared_cache_table.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "kangfu_shared_cache",
    },
}

# Lock-out after repeated failed sign-ins (django-axes), per user name and address, so one
# attacker cannot lock every account from one place and guessing from one place is capped;
# and per account across all addresses (a higher cap), so spreading guesses over many
# addresses does not help. Counted in the database, shared by every process.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ACCOUNT_FAILURE_LIMIT = env_int("AXES_ACCOUNT_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = "kangfu.access.signin.lockout.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "access/signin/locked_out.html"
AXES_VERBOSE = False

# TOTP second factor (django-otp); which roles must use it: kangfu.access.signin.
OTP_TOTP_ISSUER = "Kangfu 康复"

# Content Security Policy (django-csp): only our own scripts and styles, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# REST API v1 (kangfu.api): the same scoping and audit as the pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kangfu.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kangfu.api.permissions.TokenScope"],
    "DEFAULT_PAGINATION_CLASS": "kangfu.api.pagination.StableCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["kangfu.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_RATE_LIMIT", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["kangfu.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kangfu.api.exceptions.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kangfu API",
    "DESCRIPTION": "Kangfu REST API v1 for partner systems. Same scoping and audit as the site.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kangfu.api.schema.add_problem_responses",
    ],
}

# Sessions end when the browser closes and after a period without activity.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
# Not a write per request: SessionIdleMiddleware pushes the deadline back once a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE = env_bool("SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE and env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is the domain owner's decision for the whole registered domain (a county's
# kangfu.example.gov.cn cannot be preloaded alone), so it is off unless asked for.
SECURE_HSTS_PRELOAD = SECURE and env_bool("SECURE_HSTS_PRELOAD", False)
# A load balancer asks /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto and
# X-Forwarded-For: trust them, so secure cookies work and lock-out counts the real address.
# Never set it when clients can reach gunicorn directly: they could forge both headers.
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "kangfu.web.errors.csrf_failure"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Field encryption (kangfu.core.crypto): the first key encrypts, all keys decrypt.
KANGFU_FIELD_KEYS = env_str("KANGFU_FIELD_KEYS")
KANGFU_BLIND_INDEX_KEY = env_str("KANGFU_BLIND_INDEX_KEY")
# Backup archives (manage.py backup / restore, docs/data.md): a key of their own, 32 bytes
# base64, kept apart from the field keys. Empty: backup and restore refuse to run.
KANGFU_BACKUP_KEY = env_str("KANGFU_BACKUP_KEY", "")
# Attached documents (kangfu.documents): encrypted files, outside the web root and never
# served as static or media files; only the audited document views read them.
KANGFU_DOCUMENT_ROOT = Path(env_str("KANGFU_DOCUMENT_ROOT", str(VAR_DIR / "documents")))
# The ledger import checks and imports in a thread, and the page polls its progress.
KANGFU_IMPORT_IN_BACKGROUND = env_bool("KANGFU_IMPORT_IN_BACKGROUND", True)

# Emergency (break-glass) openings last this many hours; the audit page flags a user who
# opens this many persons outside their caseload in one day.
KANGFU_BREAK_GLASS_HOURS = env_int("KANGFU_BREAK_GLASS_HOURS", 4)
KANGFU_AUDIT_MANY_PERSONS_PER_DAY = env_int("KANGFU_AUDIT_MANY_PERSONS_PER_DAY", 20)

KANGFU_DEFAULT_POLICY_PACK = env_str("KANGFU_DEFAULT_POLICY_PACK", "cn-2016")

# Upward reporting (kangfu.reports.upward): the Ed25519 key this instance signs its
# aggregate packages with (base64 of the 32-byte private key). Empty: no export possible.
KANGFU_REPORTS_SIGNING_KEY = env_str("KANGFU_REPORTS_SIGNING_KEY", "")
KANGFU_POLICY_PACKS_DIR = BASE_DIR / "policy_packs"

# One JSON object per line on stderr (gunicorn, systemd and docker collect it). Messages
# that carry a request name its route instead of its path, which may hold a person's id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "kangfu.core.requestlog.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "kangfu.request": {
            "handlers": ["console"],
            "level": env_str("REQUEST_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
