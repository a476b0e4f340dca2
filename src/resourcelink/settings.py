"""ResourceLink settings, read from the environment.

Every setting that differs between a laptop and a deployment comes from an
environment variable with an ``RL_`` prefix (plus ``DATABASE_URL`` and
``SECRET_KEY``). Anything missing or malformed raises ImproperlyConfigured
with the variable's name, so a deployment fails at start, not at first use.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent  # the package
PROJECT_DIR = BASE_DIR.parent.parent  # the checkout (src/..)


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "local" runs on a laptop out of the box; "production" refuses to start
# without a real secret key and host names, and turns on every HTTPS guard.
RL_ENV = env_str("RL_ENV", "local")
if RL_ENV not in {"local", "production", "test"}:
    raise ImproperlyConfigured(f"RL_ENV must be local, production or test; got {RL_ENV!r}.")
PRODUCTION = RL_ENV == "production"

VAR_DIR = Path(env_str("RL_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if "SECRET_KEY" in os.environ:
        key = os.environ["SECRET_KEY"]
        if PRODUCTION and len(key) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("Set the environment variable SECRET_KEY (50+ random characters).")
    # A laptop install keeps a generated key under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("RL_DEBUG", False)
ALLOWED_HOSTS = env_list("RL_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set RL_ALLOWED_HOSTS to the comma-separated host names of this site.")
CSRF_TRUSTED_ORIGINS = env_list("RL_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "leaflet",
    "simple_history",
    "ninja",
    "resourcelink.core",
    "resourcelink.accounts",
    "resourcelink.taxonomy",
    "resourcelink.communities",
    "resourcelink.directory",
    "resourcelink.people",
    "resourcelink.needs",
    "resourcelink.matching",
    "resourcelink.inventory",
    "resourcelink.donations",
    "resourcelink.fund",
    "resourcelink.distribution",
    "resourcelink.publicity",
    "resourcelink.interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "resourcelink.accounts.middleware.CurrentStationMiddleware",
    # Axes last: it must see the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "resourcelink.urls"
WSGI_APPLICATION = "resourcelink.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "resourcelink.accounts.context_processors.station",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite under var/ unless DATABASE_URL names another database.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("RL_DB_CONN_MAX_AGE", 0 if RL_ENV == "test" else 60)
        )
    except Exception as exc:  # dj-database-url raises several types
        raise ImproperlyConfigured(f"DATABASE_URL could not be read: {exc}") from None
    if _db["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or sqlite:/// URL.")
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "resourcelink.sqlite3")}
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the
            # write lock at BEGIN so concurrent writers queue instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    _db["TEST"] = {"NAME": os.environ.get("RL_TEST_SQLITE_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if RL_ENV == "test":
    # Argon2 is deliberately slow; the suite creates hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed logins: lock a username+address pair after RL_LOGIN_FAILURE_LIMIT
# failures for RL_LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("RL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("RL_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("RL_AXES_ENABLED", True)

SESSION_COOKIE_AGE = env_int("RL_SESSION_HOURS", 12) * 3600

# --- Internationalisation ---------------------------------------------------
# Tests assert English source strings unless they ask for Chinese explicitly.
LANGUAGE_CODE = env_str("RL_LANGUAGE", "en" if RL_ENV == "test" else "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("RL_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# Photos are residents' surroundings: they are served through a view that
# checks station membership, never from a public directory.
MEDIA_ROOT = Path(env_str("RL_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
RL_MAX_UPLOAD_MB = env_int("RL_MAX_UPLOAD_MB", 20)

# --- Maps -------------------------------------------------------------------
RL_TILE_URL = env_str("RL_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
RL_TILE_ATTRIBUTION = env_str("RL_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
RL_MAP_MAX_POINTS = env_int("RL_MAP_MAX_POINTS", 5000)
RL_STALE_DAYS = env_int("RL_STALE_DAYS", 90)
RL_PAGE_SIZE = env_int("RL_PAGE_SIZE", 50)

# --- Personal data ------------------------------------------------------------
# Comma-separated Fernet keys for residents' ID numbers; the first encrypts,
# all decrypt (rotation: new key first, `manage.py people_rekey`, drop the old).
# Production must set it; elsewhere a key is derived from SECRET_KEY.
RL_FIELD_KEYS = env_list("RL_FIELD_KEYS")

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("RL_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("RL_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("RL_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RL_LOG_LEVEL", "WARNING")},
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True
