"""PMG-GT settings, read from the environment (see docs/despliegue.md)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "si", "sí", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY es obligatoria en producción (DEBUG desactivado). "
            "Defínala en el entorno o active DEBUG=1 para desarrollo."
        )
    # Development only: a fixed key keeps sessions alive across restarts of the demo.
    SECRET_KEY = "solo-desarrollo-pmggt-no-usar-en-produccion-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "django_htmx",
    "csp",
    "axes",
    "pmggt",
    "diagnostico",
    "planes",
    "seguimiento",
    "gore_info",
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
    # Logs 403/404 refusals and marks HTML responses no-store; then the absolute session limit.
    "pmggt.middleware.SeguridadMiddleware",
    "pmggt.middleware.SesionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Under DEBUG (the demo), the site's own 404/500 pages instead of Django's technical ones
    # (PMGGT_PAGINAS_DE_ERROR_EN_DEBUG). Inside the others, so their headers and logs apply.
    "pmggt.errores.PaginasDeErrorMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pmggt.urls"
WSGI_APPLICATION = "pmggt.wsgi.application"

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
                "pmggt.context_processors.navegacion",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env("DB_JIT", "0") != "1":
    # PostgreSQL's JIT compiles a plan that looks expensive (a table without statistics yet, a
    # grouped UNION): tens of milliseconds spent before a query of a few. Every page here runs
    # short queries, so it is off for this application's connections (DB_JIT=1 leaves it on).
    _opciones = DATABASES["default"].setdefault("OPTIONS", {})
    _opciones["options"] = (_opciones.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A Plan's «Información regional» page posts every GORE procedure of the Servicio (up to 400
# rows of 17 fields: planes.forms.ProcedimientosFormSet); Django's default of 1,000 fields
# refused the page of a Servicio with 15 regions (400 TooManyFieldsSent).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the navbar's unread count with the user (one query).
    "pmggt.autenticacion.Autenticacion",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian AnonymousUser row: anonymous visitors never hold object permissions here.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Spanish/Chilean common passwords (fixtures/contrasenas_comunes.txt), also with a year.
    {"NAME": "pmggt.seguridad.ContrasenaComunValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pmggt:mis_pendientes"
LOGOUT_REDIRECT_URL = "login"
# Password reset by e-mail (pmggt.cuentas): the link works once, for this many seconds.
PASSWORD_RESET_TIMEOUT = int(env("PASSWORD_RESET_TIMEOUT", str(2 * 60 * 60)))
# Reset requests per hour, per address typed and per client IP; past them no e-mail is sent
# (the page is the same).
PMGGT_RESTABLECER_POR_CORREO = int(env("PMGGT_RESTABLECER_POR_CORREO", "3"))
PMGGT_RESTABLECER_POR_IP = int(env("PMGGT_RESTABLECER_POR_IP", "20"))

LANGUAGE_CODE = "es-cl"
LANGUAGES = [("es-cl", "Español (Chile)")]
TIME_ZONE = "America/Santiago"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Visado versions' PDFs are rendered once and kept in the default storage (MEDIA_ROOT):
# pmggt.informes.cache.
PMGGT_PDF_CACHE = env_bool("PMGGT_PDF_CACHE", True)

# With DEBUG, e-mails go to the console, one line each (pmggt.correo: recipients, subject,
# links); PMGGT_CORREO_COMPLETO=1 prints them whole.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "pmggt.correo.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
PMGGT_CORREO_COMPLETO = env_bool("PMGGT_CORREO_COMPLETO", False)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that never answers must not hold a request until the worker times out.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "PMG-GT <no-responder@pmggt.local>")
# Absolute links in e-mails.
SITIO_URL = env("SITIO_URL", "http://127.0.0.1:8000")

# Cache: Redis where REDIS_URL is set (production: one cache shared by every app server),
# else this process's memory.
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pmggt",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database (no query per page),
# but only with a cache every process shares (Redis) or in development (one process): with a
# per-process cache a session closed in one worker would stay open in the others.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL or DEBUG
    else "django.contrib.sessions.backends.db"
)

# Sessions end after inactivity: a request renews the expiry when the last renewal is over a
# minute old (pmggt.middleware.RENOVAR_CADA), so most requests write no session.
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# PDF renders (pmggt.informes.pdf): each in its own process, with these caps.
PMGGT_PDF_TIEMPO_MAXIMO = float(env("PMGGT_PDF_TIEMPO_MAXIMO", "120"))  # seconds
PMGGT_PDF_MEMORIA_MAXIMA_MB = int(env("PMGGT_PDF_MEMORIA_MAXIMA_MB", "1536"))
PMGGT_PDF_PARALELOS = int(env("PMGGT_PDF_PARALELOS", "0")) or None  # None: one per core

# ... and at the latest this many hours after logging in, however active (pmggt.middleware).
PMGGT_SESION_MAXIMA_HORAS = float(env("PMGGT_SESION_MAXIMA_HORAS", "10"))

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HORAS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/bloqueado.html"
# No "AXES: BEGIN version …" banner on every command; failures and lockouts are still logged
# (and pmggt.seguridad records them as JSON lines).
AXES_VERBOSE = env_bool("AXES_VERBOSE", False)
# A success does not erase earlier failures: they still count (within the cool-off, counted from
# the last failure) and stay on record; every failure is also kept in AccessFailureLog.
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Behind N trusted reverse proxies, the client address comes from X-Forwarded-For; otherwise
# every client would share the proxy's address and one person's failures would lock everyone.
PROXIES_CONFIABLES = int(env("PROXIES_CONFIABLES", "0"))
AXES_CLIENT_IP_CALLABLE = "pmggt.seguridad.ip_cliente"

# Content-Security-Policy: no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# With DEBUG on, 404 and 500 still show templates/404.html and 500.html (pmggt.errores); set
# it to 0 to get Django's technical pages with the traceback. No effect without DEBUG.
PMGGT_PAGINAS_DE_ERROR_EN_DEBUG = env_bool("PMGGT_PAGINAS_DE_ERROR_EN_DEBUG", True)

# Admin history is read-only: no "revert" (pmggt.admin also refuses the POST).
SIMPLE_HISTORY_REVERT_DISABLED = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Security events (refusals, failed logins, lockouts): JSON lines on stderr and, if
# PMGGT_LOG_SEGURIDAD names a file, also there (WatchedFileHandler: logrotate-friendly).
PMGGT_LOG_SEGURIDAD = env("PMGGT_LOG_SEGURIDAD")
_manejadores_seguridad = ["seguridad"] + (["seguridad_archivo"] if PMGGT_LOG_SEGURIDAD else [])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "pmggt.seguridad.FormatoJSON"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "seguridad": {"class": "logging.StreamHandler", "formatter": "json"},
        **(
            {
                "seguridad_archivo": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": PMGGT_LOG_SEGURIDAD,
                    "formatter": "json",
                    "encoding": "utf-8",
                }
            }
            if PMGGT_LOG_SEGURIDAD
            else {}
        ),
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "pmggt.seguridad": {
            "handlers": _manejadores_seguridad,
            "level": "INFO",
            "propagate": False,
        },
        # WeasyPrint narrates every layout step at INFO: keep only its warnings.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Background tasks: Celery (pmggt.tareas; docs/despliegue.md) ---------------------------------
# With a broker (production: Redis, e.g. redis://127.0.0.1:6379/1) tasks go to the workers
# (`celery -A pmggt worker`, on any number of machines); without one (the demo, development,
# tests) they run in-process as they are enqueued, so nothing else needs to be running.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# No result backend: a task's state lives in our models (Dossier.estado, Aviso, …).
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged when it ends, so a worker that dies mid-task leaves it for another
# (tasks are idempotent); each worker process takes one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Time limits (seconds): soft, the task records its error and stops; hard, the process is killed.
CELERY_TASK_SOFT_TIME_LIMIT = int(env("CELERY_TASK_SOFT_TIME_LIMIT", str(30 * 60)))
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", str(35 * 60)))
# With acks_late, Redis hands an unacknowledged task to another worker after this many seconds:
# above the hard time limit, so a long task is never run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 10 * 60}
# `celery -A pmggt beat`: the daily reminders at 07:00, Chilean time (or, instead of beat,
# a cron line with `manage.py enviar_recordatorios`).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "recordatorios-diarios": {
        "task": "pmggt.tareas.recordatorios_diarios",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- Sign-in with ClaveÚnica: OpenID Connect (pmggt.claveunica; docs/despliegue.md) ----------
# Off by default. On, the login page offers «Ingresar con ClaveÚnica» next to the password form
# and /oidc/ answers (pmggt.urls); the person is found by the RUN ClaveÚnica certifies
# (Perfil.run, registered by the administrator), never created. Off, nothing of OIDC is loaded.
PMGGT_CLAVEUNICA = env_bool("PMGGT_CLAVEUNICA", False)
if PMGGT_CLAVEUNICA:
    INSTALLED_APPS.append("mozilla_django_oidc")
    # After the password backend; django-axes stays first.
    AUTHENTICATION_BACKENDS.insert(
        AUTHENTICATION_BACKENDS.index("pmggt.autenticacion.Autenticacion") + 1,
        "pmggt.claveunica.Backend",
    )
    OIDC_RP_CLIENT_ID = env("CLAVEUNICA_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env("CLAVEUNICA_CLIENT_SECRET")
    if not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
        raise ImproperlyConfigured(
            "PMGGT_CLAVEUNICA=1 requiere CLAVEUNICA_CLIENT_ID y CLAVEUNICA_CLIENT_SECRET, las "
            "credenciales que entrega ClaveÚnica (docs/despliegue.md, «ClaveÚnica»)."
        )
    _claveunica = env("CLAVEUNICA_URL", "https://accounts.claveunica.gob.cl/openid").rstrip("/")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env("CLAVEUNICA_URL_AUTORIZACION", f"{_claveunica}/authorize/")
    OIDC_OP_TOKEN_ENDPOINT = env("CLAVEUNICA_URL_TOKEN", f"{_claveunica}/token/")
    OIDC_OP_USER_ENDPOINT = env("CLAVEUNICA_URL_USERINFO", f"{_claveunica}/userinfo/")
    OIDC_RP_SIGN_ALGO = env("CLAVEUNICA_ALGORITMO", "RS256")
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
        OIDC_OP_JWKS_ENDPOINT = env("CLAVEUNICA_URL_JWKS", f"{_claveunica}/jwks")
    # With it set, an id_token from another issuer (its «iss») is refused.
    PMGGT_CLAVEUNICA_EMISOR = env("CLAVEUNICA_EMISOR")
    OIDC_RP_SCOPES = "openid run name"
    OIDC_USE_NONCE = True
    OIDC_STATE_SIZE = 32
    OIDC_NONCE_SIZE = 32
    OIDC_USE_PKCE = env_bool("CLAVEUNICA_PKCE", False)
    # Seconds between «Ingresar con ClaveÚnica» and the return from ClaveÚnica.
    PMGGT_CLAVEUNICA_VIGENCIA = int(env("CLAVEUNICA_VIGENCIA", "600"))
    OIDC_TIMEOUT = float(env("CLAVEUNICA_TIMEOUT", "10"))
    OIDC_CREATE_USER = False
    # Logout is local (LOGOUT_REDIRECT_URL): no token of ClaveÚnica is kept in the session.
    OIDC_STORE_ACCESS_TOKEN = False
    OIDC_STORE_ID_TOKEN = False
    OIDC_CALLBACK_CLASS = "pmggt.claveunica.Callback"
    # Success lands on LOGIN_REDIRECT_URL (or the page asked for); failure on the login page.
    LOGIN_REDIRECT_URL_FAILURE = LOGIN_URL
