"""TikJoy settings. Everything that differs between machines comes from the environment.

``DJANGO_ENV=production`` switches on the production profile (HTTPS only,
secure cookies, HSTS, no debug); see docs/configuration.md.
"""

import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import environ

from tikjoy.config import cache_config, database_config, q_cluster_config, replica_config, smoke_test_check

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
if DJANGO_ENV not in ("development", "production", "test"):
    raise environ.ImproperlyConfigured("DJANGO_ENV must be development, test or production")

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: refuse to start without one
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets a page in the site's design (templates/403_csrf.html); 400, 403, 404
# and 500 use Django's handlers with templates/400.html ... 500.html (docs/security.md).
CSRF_FAILURE_VIEW = "tikjoy.views.csrf_failure"
# Help texts are text, not HTML, in every form (core/forms.py).
FORM_RENDERER = "core.forms.FormRenderer"
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# `make prod-smoke` runs the production profile over plain HTTP on loopback (docs/deploy.md): the
# flag is refused unless every host is a loopback name, so a real deployment can't carry it.
SMOKE_TEST = PRODUCTION and smoke_test_check(
    env.str("SMOKE_TEST_PLAIN_HTTP", default=""), allowed_hosts=ALLOWED_HOSTS, site_url=SITE_URL
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "rest_framework",
    "drf_spectacular",
    "django_q",
    "djmoney",
    "tikjoy",
    "core",  # no models: installed for its translations (core/locale/)
    "accounts",
    "wallets",
    "merchants",
    "campaigns",
    "social",
    "social.tiktok_login",
    "subscriptions",
    "cards",
    "rewards",
    "billing",
    "payouts",
    "affiliates",
    "webhooks",
    "api",
    "promote",
    "chats",
    "support",
    "privacy",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tikjoy.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.hardening.RefuseNulBytesMiddleware",  # NUL in any input: a 400 with a message
    "affiliates.middleware.TrackedRedirectMiddleware",  # /r/<code> without sessions, CSRF, auth, messages
    "api.middleware.ApiRequestMiddleware",  # /api/v1/ (key auth) without sessions, CSRF, auth, messages
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, handed the person read with the session's row (one statement: accounts/session_db.py).
    "accounts.middleware.AuthenticationMiddleware",
    # Language (saved > cookie > browser > a page's fallback) and time zone: docs/i18n.md.
    "accounts.middleware.PersonLocaleMiddleware",
    "tikjoy.middleware.OpsInUtcMiddleware",  # /ops/ in UTC, as its pages say
    "core.hardening.NoStoreMiddleware",  # private, no-store for every signed-in response
    "django.contrib.messages.middleware.MessageMiddleware",
    "tikjoy.middleware.MethodNotAllowedPageMiddleware",  # a 405 is a page in the reader's language
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "support.middleware.RecentErrorsMiddleware",  # the person's last errors, in their session, for a support request
]

ROOT_URLCONF = "tikjoy.urls"
WSGI_APPLICATION = "tikjoy.wsgi.application"
ASGI_APPLICATION = "tikjoy.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.person",
            ],
        },
    },
]

# django-q2's cluster forks its workers from processes that have used the database: a pool's open
# sockets would then be shared by parent and child (make prod-smoke saw a scheduler's transaction
# hang "idle in transaction" for minutes, holding the schedules' locks). `qcluster` processes get
# plain connections, opened and closed around each task, as django-q2 expects.
QCLUSTER_PROCESS = len(sys.argv) > 1 and sys.argv[1] == "qcluster"
DATABASES = {
    "default": database_config(
        env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        pool=env.bool("DATABASE_POOL", default=True) and not QCLUSTER_PROCESS,
        pool_max_size=env.int("DATABASE_POOL_MAX_SIZE", default=20),
        pool_timeout=env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    )
}
# A read replica for dashboards, statements and reports (tikjoy/db_router.py, docs/deploy.md).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = replica_config(
        env.str("DATABASE_REPLICA_URL"),
        pool=env.bool("DATABASE_POOL", default=True) and not QCLUSTER_PROCESS,
        pool_max_size=env.int("DATABASE_POOL_MAX_SIZE", default=20),
        pool_timeout=env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    )
    DATABASE_ROUTERS = ["tikjoy.db_router.ReplicaRouter"]
    MIDDLEWARE.append("tikjoy.db_router.ReplicaReadsMiddleware")
DATABASE_REPLICA_PATHS = env.list(
    "DATABASE_REPLICA_PATHS",
    default=[
        r"^/console/$",  # the dashboard and its panels
        r"^/console/billing/statement/",
        r"^/console/billing/invoice/",
        r"^/console/campaigns/campaign/\d+/report",
        r"^/console/affiliates/report/",
        r"^/console/promote/\d+/csv/",
        r"^/affiliates/\d+/report/",
        r"^/api/v1/statements",
    ],
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds rate-limit counters and the API key cache: shared (Redis) with more than one process.
CACHES = {"default": cache_config(env.str("CACHE_URL", default="locmem://"))}
# Signed-in requests read their session from the cache when it is shared (Redis: accounts/sessions.py),
# saving a database query each. A cache in one process's memory (locmem) keeps them in the database: a
# sign-out in one process would leave the session alive in another process's copy.
SESSION_ENGINE = (
    "accounts.sessions"
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else "accounts.session_db"
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, reading the signed-in person in one fixed statement (accounts/backends.py).
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: merchants and staff sign in with e-mail and password.
SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION and not SMOKE_TEST else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[TikJoy] "
SOCIALACCOUNT_STORE_TOKENS = True
ACCOUNT_ADAPTER = "social.adapters.AccountAdapter"

# E-mail: printed to the console in development, any backend by EMAIL_URL.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# Seconds an SMTP call may wait: a hung server must not hold a task until django-q2 stops it (a
# consumer notice whose server did not answer is recorded as such and not sent twice: rewards/notices.py).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TikJoy <no-reply@tikjoy.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
# The languages every page is shipped in (docs/i18n.md). Each app keeps its own catalogue in
# <app>/locale/; the project-wide templates/ use the root locale/.
LANGUAGES = [
    ("en", "English"),
    ("it", "Italiano"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tikjoy.formats"]  # English dates the European way (29 Nov 2026, 14:30)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
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

Q_CLUSTER = q_cluster_config(env.str("Q_BROKER", default="orm"), workers=env.int("Q_WORKERS", default=2))
if DJANGO_ENV == "test":
    # Tests run queued tasks at once, in the test's process (a failing task is recorded, not raised).
    Q_CLUSTER["sync"] = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TikJoy API",
    "VERSION": "1",
    "DESCRIPTION": "The merchant API (docs/api.md): Bearer API keys, problem+json errors, cursor pages.",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our own static files: no third-party code
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ActionTypeEnum": "campaigns.models.ActionType"},
}

# The public API (issue #17, docs/api.md): requests per key per minute.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
# A publishable key (tj_pk_..., public: in the shop's pages) is counted per visitor's network, not as a
# whole, so that no one can use up a shop's limit: GET /api/v1/offer and the conversion tag.
API_PUBLIC_RATE_LIMIT_PER_MINUTE = env.int("API_PUBLIC_RATE_LIMIT_PER_MINUTE", default=300)
# ...and, on top of it, a ceiling for the whole publishable key (someone with many networks gets many
# visitors' limits): the requests a minute its visitors' limits let through. A page view of a shop
# costs at most one (GET /api/v1/offer if the shop's page reads it; widget.js and the widget's frame
# are not counted; the conversion tag one per order), so 10,000 is a shop's busiest minute with ten
# thousand page views: tens of millions a month. Beyond, 429 "per-key" (docs/api.md).
API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE = env.int("API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE", default=10_000)
API_IDEMPOTENCY_HOURS = 24
# How long a server process keeps a key it read (saves a query per request); a revoked key is
# refused within this many seconds by every process. 0: read the key on every request.
API_KEY_CACHE_SECONDS = env.float("API_KEY_CACHE_SECONDS", default=5.0)
# The website widget (docs/api.md): minutes a consumer's "show my balance here" can be collected by
# the frame that asked, and days the frame's own cookie shows that balance.
WIDGET_PASS_MINUTES = 10
WIDGET_BALANCE_COOKIE_DAYS = 30

# Outgoing webhooks (docs/webhooks.md). Loopback targets only for tests and `make run`'s demo
# receiver; plain http only outside production. Production refuses both.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=DJANGO_ENV == "test")
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=not PRODUCTION)
if PRODUCTION and (WEBHOOKS_ALLOW_LOOPBACK or WEBHOOKS_ALLOW_HTTP):
    raise environ.ImproperlyConfigured(
        "WEBHOOKS_ALLOW_LOOPBACK and WEBHOOKS_ALLOW_HTTP are refused in production"
    )

# Money
DEFAULT_CURRENCY = "EUR"

# Merchants (issue #4): the platform's bank account shown on the console's "Add funds" page,
# the default low-balance alert threshold (in the merchant's currency), invitation link lifetime.
PLATFORM_BANK_DETAILS = {
    "account_holder": env.str("PLATFORM_BANK_ACCOUNT_HOLDER", default="TikJoy Payments (demo)"),
    "iban": env.str("PLATFORM_BANK_IBAN", default="DE89 3704 0044 0532 0130 00"),
    "bic": env.str("PLATFORM_BANK_BIC", default="COBADEFFXXX"),
    "bank_name": env.str("PLATFORM_BANK_NAME", default="Demo Bank"),
}
MERCHANT_LOW_BALANCE_THRESHOLD = env.str("MERCHANT_LOW_BALANCE_THRESHOLD", default="50.00")
# Top-ups above this amount (in the merchant's currency) are credited only once a second staff member confirms.
MERCHANT_TOP_UP_CONFIRM_ABOVE = env.str("MERCHANT_TOP_UP_CONFIRM_ABOVE", default="10000.00")
MERCHANT_INVITATION_MAX_AGE_DAYS = env.int("MERCHANT_INVITATION_MAX_AGE_DAYS", default=7)

# Billing (issue #15, docs/billing.md): the platform operator, seller on every service-fee invoice,
# and the VAT rules as data. A merchant's months are in its own time zone (billing.selectors.billing_period);
# BILLING_TIME_ZONE is the platform's own calendar: invoice issue dates and numbering, coin purchase dates.
BILLING_SELLER = {
    "legal_name": env.str("BILLING_SELLER_NAME", default="TikJoy SAS (demo)"),
    "address": env.str("BILLING_SELLER_ADDRESS", default="10 Rue de la Paix"),
    "postcode": env.str("BILLING_SELLER_POSTCODE", default="75002"),
    "city": env.str("BILLING_SELLER_CITY", default="Paris"),
    "country": env.str("BILLING_SELLER_COUNTRY", default="FR"),
    "vat_id": env.str("BILLING_SELLER_VAT_ID", default="FR40303265045"),
    "registration_id": env.str("BILLING_SELLER_REGISTRATION_ID", default="303265045"),
    "email": env.str("BILLING_SELLER_EMAIL", default="billing@tikjoy.local"),
}
BILLING_VAT = {
    # The operator's domestic rate (percent), charged to buyers in its own country and to EU buyers
    # without a VAT id; EU business buyers elsewhere: reverse charge; outside the EU: not in scope.
    "domestic_rate": env.str("BILLING_VAT_DOMESTIC_RATE", default="20.00"),
    "eu_countries": env.list(
        "BILLING_VAT_EU_COUNTRIES",
        default=[
            "AT",
            "BE",
            "BG",
            "CY",
            "CZ",
            "DE",
            "DK",
            "EE",
            "ES",
            "FI",
            "FR",
            "GR",
            "HR",
            "HU",
            "IE",
            "IT",
            "LT",
            "LU",
            "LV",
            "MT",
            "NL",
            "PL",
            "PT",
            "RO",
            "SE",
            "SI",
            "SK",
        ],
    ),
}
BILLING_TIME_ZONE = env.str("BILLING_TIME_ZONE", default="UTC")

# Campaigns (issue #5): the video library's upload limits (docs/campaigns.md).
VIDEO_MAX_UPLOAD_MB = env.int("VIDEO_MAX_UPLOAD_MB", default=50)
VIDEO_ALLOWED_EXTENSIONS = ("mp4", "mov", "webm")

# Security headers. Our pages load nothing from other origins.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not SMOKE_TEST)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = not SMOKE_TEST
    CSRF_COOKIE_SECURE = not SMOKE_TEST
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if SMOKE_TEST:  # plain HTTP on loopback: no HSTS, and the bare view the load test compares with
        SECURE_HSTS_SECONDS = 0
        ROOT_URLCONF = "tikjoy.smoke_urls"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step at INFO (e.g. parsing a stylesheet at start-up).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


# ---------------------------------------------------------------------------
# Social: TikTok and WhatsApp sign-in, share verification, engagement sync
# (the `social` app; docs/social.md). SOCIAL_BACKEND=sandbox serves fakes of
# TikTok and WhatsApp from this process, so the demo needs no keys.
# ---------------------------------------------------------------------------
SOCIAL_BACKEND = env.str("SOCIAL_BACKEND", default="live" if PRODUCTION and not SMOKE_TEST else "sandbox")
if SOCIAL_BACKEND not in ("live", "sandbox"):
    raise environ.ImproperlyConfigured("SOCIAL_BACKEND must be live or sandbox")
if PRODUCTION and SOCIAL_BACKEND == "sandbox" and not SMOKE_TEST:
    raise environ.ImproperlyConfigured("SOCIAL_BACKEND=sandbox is refused with DJANGO_ENV=production")
SOCIAL_SANDBOX = SOCIAL_BACKEND == "sandbox"
if SOCIAL_SANDBOX:
    INSTALLED_APPS.append("sandbox")  # the fakes and their tables exist only in sandbox mode
_sandbox_url = SITE_URL + "/sandbox"
CONSUMER_HOME_URL = env.str("CONSUMER_HOME_URL", default="/wallet/")

# Consumer pages (brand page, join) record the client IP for fraud signals from
# REMOTE_ADDR: the proxy in front of TikJoy must pass the client's address there.
# TRUST_X_FORWARDED_FOR=true (only behind a proxy that appends the client to
# X-Forwarded-For) uses that header's last address instead. docs/consent.md.
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)

TIKTOK_CLIENT_KEY = env.str("TIKTOK_CLIENT_KEY", default="sandbox-client-key" if SOCIAL_SANDBOX else "")
TIKTOK_CLIENT_SECRET = env.str(
    "TIKTOK_CLIENT_SECRET", default="sandbox-client-secret" if SOCIAL_SANDBOX else ""
)
TIKTOK_AUTH_URL = env.str(
    "TIKTOK_AUTH_URL",
    default=_sandbox_url + "/tiktok/v2/auth/authorize/"
    if SOCIAL_SANDBOX
    else "https://www.tiktok.com/v2/auth/authorize/",
)
TIKTOK_API_BASE_URL = env.str(
    "TIKTOK_API_BASE_URL",
    default=_sandbox_url + "/tiktok/open-api" if SOCIAL_SANDBOX else "https://open.tiktokapis.com",
).rstrip("/")
TIKTOK_SCOPES = ["user.info.basic", "user.info.profile", "user.info.stats", "video.list"]
TIKTOK_CREATOR_MIN_FOLLOWERS = env.int("TIKTOK_CREATOR_MIN_FOLLOWERS", default=5000)  # more than this
TIKTOK_RATE_LIMIT_PER_MINUTE = env.int("TIKTOK_RATE_LIMIT_PER_MINUTE", default=600)  # per endpoint
TIKTOK_HTTP_TIMEOUT_SECONDS = env.float("TIKTOK_HTTP_TIMEOUT_SECONDS", default=10)
TIKTOK_BACKOFF_SECONDS = env.float("TIKTOK_BACKOFF_SECONDS", default=2)  # first wait after a 429
TIKTOK_MAX_RETRIES = env.int("TIKTOK_MAX_RETRIES", default=3)
TIKTOK_TOKEN_REFRESH_MARGIN_HOURS = env.int("TIKTOK_TOKEN_REFRESH_MARGIN_HOURS", default=6)
TIKTOK_WEBHOOK_TOLERANCE_SECONDS = env.int("TIKTOK_WEBHOOK_TOLERANCE_SECONDS", default=300)

WHATSAPP_API_BASE_URL = env.str(
    "WHATSAPP_API_BASE_URL",
    default=_sandbox_url + "/whatsapp/v21.0" if SOCIAL_SANDBOX else "https://graph.facebook.com/v21.0",
).rstrip("/")
WHATSAPP_PHONE_NUMBER_ID = env.str(
    "WHATSAPP_PHONE_NUMBER_ID", default="100000000000001" if SOCIAL_SANDBOX else ""
)
WHATSAPP_ACCESS_TOKEN = env.str(
    "WHATSAPP_ACCESS_TOKEN", default="sandbox-whatsapp-token" if SOCIAL_SANDBOX else ""
)
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="sandbox-app-secret" if SOCIAL_SANDBOX else "")
WHATSAPP_VERIFY_TOKEN = env.str(
    "WHATSAPP_VERIFY_TOKEN", default="sandbox-verify-token" if SOCIAL_SANDBOX else ""
)
WHATSAPP_TEMPLATE_NAME = env.str("WHATSAPP_TEMPLATE_NAME", default="tikjoy_login_code")
WHATSAPP_UPDATE_TEMPLATE_NAME = env.str("WHATSAPP_UPDATE_TEMPLATE_NAME", default="tikjoy_account_update")
WHATSAPP_TEMPLATE_LANGUAGE = env.str("WHATSAPP_TEMPLATE_LANGUAGE", default="en_US")
# The language code of each approved translation of the two templates, per language TikJoy speaks
# (the Cloud API's ``template.language.code``); a language missing here gets the English one.
# WHATSAPP_TEMPLATE_LANGUAGES="it=it,de=de,fr=fr,es=es" (English is WHATSAPP_TEMPLATE_LANGUAGE).
WHATSAPP_TEMPLATE_LANGUAGES = {
    "en": WHATSAPP_TEMPLATE_LANGUAGE,
    **env.dict("WHATSAPP_TEMPLATE_LANGUAGES", default={"it": "it", "de": "de", "fr": "fr", "es": "es"}),
}
WHATSAPP_HTTP_TIMEOUT_SECONDS = env.float("WHATSAPP_HTTP_TIMEOUT_SECONDS", default=10)
# The country a phone number typed without its country code is read in when nothing about the
# visitor tells (no number of theirs, no region in the browser's languages, no brand page): e.g.
# "DE"; empty, no guess: the person picks the country (social.phone_regions, docs/social.md).
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="")
# Where the sandbox's fake phone sends its signed webhooks (replies, statuses); empty: this site.
WHATSAPP_SANDBOX_WEBHOOK_URL = env.str("WHATSAPP_SANDBOX_WEBHOOK_URL", default="")
# Chats (docs/chats.md): WhatsApp's customer-service window, and how long a message may wait for
# the Cloud API's answer before it is taken as failed and refunded.
CHATS_SERVICE_WINDOW_HOURS = env.int("CHATS_SERVICE_WINDOW_HOURS", default=24)
CHATS_PENDING_EXPIRE_MINUTES = env.int("CHATS_PENDING_EXPIRE_MINUTES", default=15)

# The "Continue with TikTok" form redirects to TikTok's authorize page: browsers apply
# CSP form-action to that redirect, so TikTok's origin must be allowed there.
_tiktok_auth_origin = "://".join(urlsplit(TIKTOK_AUTH_URL)[:2])
if not TIKTOK_AUTH_URL.startswith(SITE_URL + "/") and "form-action 'self'" in CONTENT_SECURITY_POLICY:
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {_tiktok_auth_origin}"
    )

# Card payments through Stripe (cards/, docs/cards.md): Promote's coins, subscriptions' fees. In sandbox mode
# the API is the fake in sandbox/stripe.py, which signs its webhooks with the same secret.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="sk_test_sandbox" if SOCIAL_SANDBOX else "")
STRIPE_WEBHOOK_SECRET = env.str(
    "STRIPE_WEBHOOK_SECRET", default="whsec_c2FuZGJveC1zdHJpcGUtc2VjcmV0" if SOCIAL_SANDBOX else ""
)
STRIPE_API_BASE = env.str(
    "STRIPE_API_BASE", default=_sandbox_url + "/stripe" if SOCIAL_SANDBOX else "https://api.stripe.com"
).rstrip("/")
# Promote's delivery: the deterministic simulator, or the TikTok Marketing API (docs/promote.md).
PROMOTE_DELIVERY = env.str("PROMOTE_DELIVERY", default="simulator")
if PROMOTE_DELIVERY not in ("simulator", "tiktok"):
    raise environ.ImproperlyConfigured("PROMOTE_DELIVERY must be simulator or tiktok")
TIKTOK_ADS_API_BASE = env.str(
    "TIKTOK_ADS_API_BASE",
    default=_sandbox_url + "/tiktok-ads/open_api/v1.3"
    if SOCIAL_SANDBOX
    else "https://business-api.tiktok.com/open_api/v1.3",
).rstrip("/")
TIKTOK_ADS_ACCESS_TOKEN = env.str(
    "TIKTOK_ADS_ACCESS_TOKEN", default="sandbox-ads-token" if SOCIAL_SANDBOX else ""
)
TIKTOK_ADS_ADVERTISER_ID = env.str(
    "TIKTOK_ADS_ADVERTISER_ID", default="7000000000000000001" if SOCIAL_SANDBOX else ""
)
TIKTOK_ADS_CURRENCY = env.str("TIKTOK_ADS_CURRENCY", default="USD")  # the advertiser account's currency

# Where the sandbox's fake Stripe sends its signed events (blank: this site's /stripe/webhook/).
STRIPE_SANDBOX_WEBHOOK_URL = env.str("STRIPE_SANDBOX_WEBHOOK_URL", default="")
STRIPE_CHECKOUT_ORIGIN = env.str("STRIPE_CHECKOUT_ORIGIN", default="https://checkout.stripe.com")
# The card purchase form redirects to Stripe's Checkout page: CSP form-action applies to it.
if not SOCIAL_SANDBOX and "form-action 'self'" in CONTENT_SECURITY_POLICY:
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {STRIPE_CHECKOUT_ORIGIN}"
    )

# allauth: the TikTok app comes from settings (no SocialApp row needed); WhatsApp
# sign-in is allauth's login by code, sent to a phone number (social.adapters).
SOCIALACCOUNT_PROVIDERS = {
    "tiktok": {
        "SCOPE": TIKTOK_SCOPES,
        "APPS": [{"client_id": TIKTOK_CLIENT_KEY, "secret": TIKTOK_CLIENT_SECRET, "key": ""}],
    }
}
# social's adapter and allauth's disconnect, keeping the sign-in reward's memory of a TikTok account that
# leaves an account (rewards.RewardedSignIn): composed above social and rewards (tikjoy/sign_in_identities.py).
SOCIALACCOUNT_ADAPTER = "tikjoy.sign_in_identities.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"disconnect": "tikjoy.sign_in_identities.DisconnectForm"}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = env.int("ACCOUNT_LOGIN_BY_CODE_TIMEOUT", default=5 * 60)
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {
    "numeric": True,
    "length": 6,
    "dashed": False,
}  # WhatsApp templates: digits
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"

# --- JoyBack engine (rewards/) -------------------------------------------------
# Risk scoring: a reward whose action scores at or above the threshold is HELD for
# ops review (docs/rewards.md lists the signals and their weights).
# A shared post's reward is confirmed only after a sync of the post once its hold ended. The post is
# watched for this many days past the end of the hold; a reward whose post was not seen on TikTok by
# then is reversed (docs/rewards.md, "The evidence window is the hold").
REWARDS_EVIDENCE_DAYS = env.int("REWARDS_EVIDENCE_DAYS", default=3)
# Engagement measured near or after the end of a share's hold is held at least this long itself.
REWARDS_LATE_ENGAGEMENT_HOLD_HOURS = env.int("REWARDS_LATE_ENGAGEMENT_HOLD_HOURS", default=24)
# An action refused because the brand's funds (or the campaign's budget) ran out is evaluated again
# when funds arrive or the campaign goes live again, for this many days after the action (docs/rewards.md).
REWARDS_UNFUNDED_RETRY_DAYS = env.int("REWARDS_UNFUNDED_RETRY_DAYS", default=7)
REWARDS_RISK_HOLD_THRESHOLD = env.int("REWARDS_RISK_HOLD_THRESHOLD", default=60)
REWARDS_RISK_DEVICE_USERS = env.int("REWARDS_RISK_DEVICE_USERS", default=1)
REWARDS_RISK_IP_USERS = env.int("REWARDS_RISK_IP_USERS", default=5)
REWARDS_RISK_ACTIONS_PER_HOUR = env.int("REWARDS_RISK_ACTIONS_PER_HOUR", default=20)
REWARDS_RISK_NEW_ACCOUNT_HOURS = env.int("REWARDS_RISK_NEW_ACCOUNT_HOURS", default=24)
REWARDS_RISK_NEW_ACCOUNT_FOLLOWERS = env.int("REWARDS_RISK_NEW_ACCOUNT_FOLLOWERS", default=10)
REWARDS_RISK_VIEWS_PER_FOLLOWER = env.int("REWARDS_RISK_VIEWS_PER_FOLLOWER", default=200)
REWARDS_RISK_VIEWS_FLOOR = env.int("REWARDS_RISK_VIEWS_FLOOR", default=50_000)

# --- Payouts (payouts/): SEPA credit transfers to people's IBANs (docs/payouts.md) ---
PAYOUTS_MIN_AMOUNT = Decimal(env.str("PAYOUTS_MIN_AMOUNT", default="10.00"))  # EUR
# Data exports (docs/privacy.md): how many a person may ask for in 24 hours, how long a link works.
PRIVACY_EXPORTS_PER_DAY = env.int("PRIVACY_EXPORTS_PER_DAY", default=3)
PRIVACY_EXPORT_LINK_HOURS = env.int("PRIVACY_EXPORT_LINK_HOURS", default=48)
# Retention (docs/privacy.md): days each kind of personal data is kept; a daily task purges older rows.
PRIVACY_RETENTION_DAYS = {
    # device ids and IP addresses of social actions (the fraud checks look back a day at most)
    "action_network_data": env.int("RETENTION_ACTION_NETWORK_DAYS", default=90),
    # bodies of TikTok/WhatsApp webhook deliveries we received
    "incoming_webhooks": env.int("RETENTION_INCOMING_WEBHOOKS_DAYS", default=30),
    # the raw files the bank sent (the applied lines and payouts stay): bookkeeping, 10 years
    "raw_bank_files": env.int("RETENTION_RAW_BANK_FILES_DAYS", default=3650),
    # e-mails sent (recipient, subject and body, kept by the task queue)
    "emails_sent": env.int("RETENTION_EMAILS_SENT_DAYS", default=30),
    # bodies of the webhooks we sent to merchants, with their delivery logs (a pending one stays)
    "outgoing_webhooks": env.int("RETENTION_OUTGOING_WEBHOOKS_DAYS", default=30),
    # who clicked an affiliate link (visitor hash, user agent): longer than the 90-day longest attribution window
    "affiliate_clicks": env.int("RETENTION_AFFILIATE_CLICKS_DAYS", default=120),
    # after an account deletion, the keyed digests of its sign-in identities per brand that paid the
    # sign-in reward (rewards.RewardedSignIn): a phone number is reassigned by the carrier in time
    "rewarded_sign_ins": env.int("REWARDED_SIGN_IN_RETENTION_DAYS", default=365),
}
PAYOUTS_TAX_ID_ABOVE = Decimal(env.str("PAYOUTS_TAX_ID_ABOVE", default="2000.00"))  # EUR paid in a year
# Off unless set: payouts below this amount of verified people with no risk signal skip the ops queue.
PAYOUTS_AUTO_APPROVE_BELOW = (
    Decimal(env.str("PAYOUTS_AUTO_APPROVE_BELOW"))
    if env.str("PAYOUTS_AUTO_APPROVE_BELOW", default="")
    else None
)
PAYOUTS_NEW_IBAN_HOLD_HOURS = env.int("PAYOUTS_NEW_IBAN_HOLD_HOURS", default=48)
PAYOUTS_CODE_TTL_SECONDS = env.int("PAYOUTS_CODE_TTL_SECONDS", default=10 * 60)
PAYOUTS_CODE_MAX_ATTEMPTS = 5
PAYOUTS_CODES_PER_HOUR = env.int("PAYOUTS_CODES_PER_HOUR", default=5)
PAYOUTS_MIN_AGE_YEARS = 18
PAYOUTS_ARRIVAL_DAYS = (3, 7)  # business days, shown to the person
PAYOUTS_REMITTANCE_TEXT = env.str("PAYOUTS_REMITTANCE_TEXT", default="TikJoy JoyBack payout")
PAYOUTS_IBAN_HASH_KEY = env.str("PAYOUTS_IBAN_HASH_KEY", default=SECRET_KEY)
PAYOUTS_OPS_EMAILS = env.list("PAYOUTS_OPS_EMAILS", default=[])

# Support (docs/support.md): who hears of new requests (empty: every active staff member with an
# e-mail address), and the first-response target ops are measured against in /ops/.
SUPPORT_OPS_EMAILS = env.list("SUPPORT_OPS_EMAILS", default=[])
SUPPORT_RESPONSE_TARGET_HOURS = env.int("SUPPORT_RESPONSE_TARGET_HOURS", default=24)
# The debtor of every pain.001 file: the platform's account and its structured address.
PAYOUTS_DEBTOR = {
    "name": env.str("PAYOUTS_DEBTOR_NAME", default=PLATFORM_BANK_DETAILS["account_holder"]),
    "iban": env.str("PAYOUTS_DEBTOR_IBAN", default=PLATFORM_BANK_DETAILS["iban"]),
    "bic": env.str("PAYOUTS_DEBTOR_BIC", default=PLATFORM_BANK_DETAILS["bic"]),
    "street": env.str("PAYOUTS_DEBTOR_STREET", default="Friedrichstrasse"),
    "building_number": env.str("PAYOUTS_DEBTOR_BUILDING_NUMBER", default="123"),
    "postcode": env.str("PAYOUTS_DEBTOR_POSTCODE", default="10117"),
    "town": env.str("PAYOUTS_DEBTOR_TOWN", default="Berlin"),
    "country": env.str("PAYOUTS_DEBTOR_COUNTRY", default="DE"),
}

# --- Affiliates (affiliates/): programs, tracked links, commissions (docs/affiliates.md) ---
# The platform's margin on a merchant program's bounty, paid by the merchant on top of it.
AFFILIATES_MARGIN_RATE = Decimal(env.str("AFFILIATES_MARGIN_RATE", default="0.20"))
AFFILIATES_OPS_EMAILS = env.list("AFFILIATES_OPS_EMAILS", default=[])
# The salt of visitors' IP hashes (no raw IP is kept for a click).
AFFILIATES_VISITOR_SALT = env.str("AFFILIATES_VISITOR_SALT", default=SECRET_KEY)
# The key of the consumer ids merchants know (con_..., merchants.consumer_ids): set it once and never
# change it (a change renames every consumer for every merchant's systems). Required in production,
# so that rotating SECRET_KEY never renames them; elsewhere derived from SECRET_KEY.
if PRODUCTION:
    CONSUMER_ID_KEY = env.str("CONSUMER_ID_KEY")  # no default: refuse to start without one
else:
    CONSUMER_ID_KEY = env.str("CONSUMER_ID_KEY", default=f"consumer-ids:{SECRET_KEY}")
# Conversions from one visitor in 24 hours above which new commissions are held for review.
AFFILIATES_VELOCITY_PER_DAY = env.int("AFFILIATES_VELOCITY_PER_DAY", default=5)
# /r/<code> clicks are written in batches by a background thread every this many seconds
# (0: each at once, after its response; the tests).
AFFILIATES_CLICK_FLUSH_SECONDS = env.float(
    "AFFILIATES_CLICK_FLUSH_SECONDS", default=0.0 if DJANGO_ENV == "test" else 0.2
)
AFFILIATES_DISPOSABLE_DOMAINS = frozenset(
    env.list(
        "AFFILIATES_DISPOSABLE_DOMAINS",
        default=[
            "mailinator.com",
            "guerrillamail.com",
            "10minutemail.com",
            "yopmail.com",
            "tempmail.com",
            "temp-mail.org",
            "trashmail.com",
            "sharklasers.com",
            "getnada.com",
            "dispostable.com",
            "maildrop.cc",
            "throwawaymail.com",
            "fakeinbox.com",
            "mailnesia.com",
            "mintemail.com",
        ],
    )
)
