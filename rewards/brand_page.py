"""What the brand page ``/b/<slug>/`` shows, read once and kept while its sources are unchanged.

The page's offers (live campaigns, their rules after the platform's margin, the headline), its
videos and the merchant's name and logo come from a handful of tables. They change a few times a
day; the page is read thousands of times an hour. So every request runs one SQL statement (a
prepared statement: planning it cost more than running it, ``core.db.bound_cursor``) that
reads, for the merchant of a slug, its language (a visitor's fallback) and:

- a fingerprint, the md5 of every row the page is built from: every campaign of the merchant not
  ENDED (ENDED is final) whole (every column of the model, as a ``ROW``: half what ``to_jsonb`` of
  the row cost PostgreSQL) but without its running ``spent`` and ``updated_at``
  (they change with every reward paid and show nothing), with whether its budget is spent; their
  reward rules whole without their running ``rewards_paid`` and ``spent``, with whether ``max_rewards`` is
  reached; and the version of every other row: the merchant, the campaigns' texts in other
  languages (``CampaignText``), the videos and their texts (``VideoText``), the merchant's pricing
  assignment, every pricing plan and every platform limit (ops lowering the maximum per reward
  lowers what the page offers). A row's version is its ``xmin`` and ``ctid``: PostgreSQL
  writes every UPDATE as a new version of the row, with the writing transaction's id and a new
  place, so any change to such a row moves the pair, whatever column it touched (cheaper than
  ``to_jsonb`` of a long caption; the money columns are why campaigns and rules are read whole);
- the next moment any of those campaigns starts or ends (``starts_at``/``ends_at`` after now).

Both are the brand's *state* (:class:`BrandState`). A campaign edited, paused (by the merchant, or
by the engine when the funds or the budget run out), resumed, ended, a rule or a budget changed,
money that makes the engine resume it, a video, a text or a logo changed, a plan reassigned, a
platform limit changed: each
changes a row, so the next request has another state; a campaign starting or ending changes the
"next moment". Nothing has to remember to invalidate anything, writes through ``update()`` or raw
SQL included, and every server process agrees. A new column in those tables joins the fingerprint
by itself (a campaign's and a rule's columns are read from their models).

Kept in ``django.core.cache`` (the default cache, an hour at most), under keys made of the state,
the active language and time zone and the code's version (:func:`_code_version`: templates,
modules, catalogues; a deploy starts new keys even in a Redis that outlives the processes):

- the page's *data* (:func:`brand_page_for`): built in one REPEATABLE READ snapshot together with
  its state, so a change committed while it is built can't be kept under the key of the state
  before it (which a later revert, a pause then a resume, would bring back);
- the *whole page as sent* (:func:`page_body_get` / :func:`page_body_keep`, used by
  ``rewards.brand.landing``), per state and per what the page shows of the visitor, besides:
  signed in or not, and for a signed-in person joined or not, whether their sign-in at the brand
  was counted already (the engine pays it once: the page then promises nothing for it), the
  sign-in channel, creator or not, the navigation's consumer rule and staff (the template reads nothing else of them; no
  name, no amount of theirs). Its CSRF token is replaced by a placeholder when it is kept and by
  the request's own token when it is sent (one masked token per response, as Django renders it;
  the CSRF cookie is set as for a rendered page). A request with a query string (``?t=`` of a
  touchpoint, anything else) or with messages to show is rendered from the kept data and not kept.

The response goes through the same middleware as a rendered one: ``Content-Language``, ``Vary``,
``Cache-Control: private, no-store`` for a signed-in person, the device cookie. On SQLite (``make
run`` on a fresh machine) nothing is kept: the page is built on every request.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection, transaction
from django.http import Http404, HttpRequest
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from campaigns.models import (
    LOGIN_ACTIONS,
    ActionType,
    Campaign,
    CampaignStatus,
    CampaignText,
    MerchantPricing,
    PlatformLimit,
    PricingPlan,
    RewardRule,
    Video,
    VideoText,
)
from campaigns.selectors import landing_offers, video_list
from core.csrf import csrf_token_get
from core.db import bound_cursor
from merchants.models import Merchant
from rewards.brand_poster import BrandEarnings, earnings_from_offers

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600
OFFERS_TEMPLATE = "campaigns/landing_offers.html"
PAGE_TEMPLATE = "brand/landing.html"
_PAGE_TEMPLATES = (PAGE_TEMPLATE, "base.html", "includes/language_switcher.html", OFFERS_TEMPLATE)
# The code that turns the rows into the page, besides the templates (see _code_version).
_CODE_MODULES = (
    "rewards.brand_page",
    "rewards.brand",
    "rewards.brand_poster",
    "campaigns.selectors",
    "campaigns.models",
    "campaigns.templatetags.campaign_texts",
    "wallets.formats",  # how the offers' amounts are written (the money filter)
)


@dataclass
class BrandPage:
    merchant: Merchant
    earnings: BrandEarnings | None
    # What the page's top says to a person whose sign-in at the brand was counted already (the
    # engine pays it once): the same offers without the sign-in ones.
    earnings_after_sign_in: BrandEarnings | None
    campaigns: list[dict]  # landing_offers(): {"campaign", "offers"}
    videos: list[Video]
    videos_downloadable: bool  # some video of the library has a file to download
    anonymous_offers_html: SafeString = field(default_factory=lambda: mark_safe(""))
    language: str = ""  # the language it was rendered in (its words and the offers' HTML)
    version: str | None = None  # the state it was built from (BrandState.version)
    # And to a returning customer (a confirmed reward from the brand before: the engine's
    # ``returning``), who is paid the returning amounts: never "up to" a new customer's amount.
    earnings_returning: BrandEarnings | None = None
    earnings_returning_after_sign_in: BrandEarnings | None = None

    def earnings_for(self, *, returning: bool, login_counted: bool) -> BrandEarnings | None:
        """What the page's top promises this person: a returning customer's amounts to one, and
        nothing for a sign-in counted already."""
        if returning:
            return self.earnings_returning_after_sign_in if login_counted else self.earnings_returning
        return self.earnings_after_sign_in if login_counted else self.earnings

    def campaigns_for(self, *, is_creator: bool) -> list[dict]:
        """The campaigns with whether this visitor may submit a video (a fresh list: the cached
        one is shared by every request of this process)."""
        return [
            {**item, "ugc_open": item["campaign"].ugc_policy == "ALL_USERS" or is_creator}
            for item in self.campaigns
        ]


def _columns(model, alias: str, *, without: tuple[str, ...]) -> str:
    """Every column of ``model``'s table but ``without``, as ``alias.column`` (SQL)."""
    quote = connection.ops.quote_name
    fields = [f.column for f in model._meta.concrete_fields]
    missing = set(without) - set(fields)
    if missing:  # a column renamed: the fingerprint must not silently keep it
        raise ValueError(f"{model.__name__} has no column {sorted(missing)}")
    return ", ".join(f"{alias}.{quote(column)}" for column in fields if column not in without)


@functools.cache
def _sql(person: str = "") -> str:
    """The state's statement; with ``person`` (a SELECT of one row, see :func:`brand_state_get`), its
    columns follow the state's."""
    m, c, r = Merchant._meta.db_table, Campaign._meta.db_table, RewardRule._meta.db_table
    v, mp, p = Video._meta.db_table, MerchantPricing._meta.db_table, PricingPlan._meta.db_table
    t, vt, pl = CampaignText._meta.db_table, VideoText._meta.db_table, PlatformLimit._meta.db_table
    person_columns, person_join = (", p.*", f"LEFT JOIN LATERAL ({person}) p ON true") if person else ("", "")
    # A campaign and a rule whole but for what moves with every reward paid (and shows nothing):
    # every column of the model, as a ROW (half the cost of to_jsonb of the row less those columns).
    c_columns = _columns(Campaign, "c", without=("spent", "updated_at"))
    r_columns = _columns(RewardRule, "r", without=("rewards_paid", "spent"))
    # A row's version (``xmin``, ``ctid``): every UPDATE writes a new version of the row, with
    # the writing transaction's id and a new place, so any change to it moves the pair.
    return f"""
        WITH m AS MATERIALIZED (
            SELECT m.id, m.language, m.xmin::text || m.ctid::text AS v FROM {m} m WHERE m.slug = %(slug)s
        ), c AS MATERIALIZED (
            SELECT c.id, c.starts_at, c.ends_at,
                   ROW({c_columns}, c.spent >= c.budget)::text AS v
              FROM {c} c
             WHERE c.merchant_id = (SELECT id FROM m) AND c.status <> %(ended)s
        ), v AS MATERIALIZED (
            SELECT v.id, v.xmin::text || v.ctid::text AS v FROM {v} v WHERE v.merchant_id = (SELECT id FROM m)
        )
        SELECT m.id, m.language,
               md5(concat_ws('|', m.v,
                   (SELECT string_agg(c.v, ',' ORDER BY c.id) FROM c),
                   (SELECT string_agg(ROW({r_columns}, r.rewards_paid >= r.max_rewards)::text, ',' ORDER BY r.id)
                      FROM {r} r WHERE r.campaign_id IN (SELECT id FROM c)),
                   (SELECT string_agg(t.id || ':' || t.xmin::text || t.ctid::text, ',' ORDER BY t.id)
                      FROM {t} t WHERE t.campaign_id IN (SELECT id FROM c)),
                   (SELECT string_agg(v.id || ':' || v.v, ',' ORDER BY v.id) FROM v),
                   (SELECT string_agg(vt.id || ':' || vt.xmin::text || vt.ctid::text, ',' ORDER BY vt.id)
                      FROM {vt} vt WHERE vt.video_id IN (SELECT id FROM v)),
                   (SELECT string_agg(mp.id || ':' || mp.xmin::text || mp.ctid::text, ',' ORDER BY mp.id)
                      FROM {mp} mp WHERE mp.merchant_id = m.id),
                   (SELECT string_agg(p.id || ':' || p.xmin::text || p.ctid::text, ',' ORDER BY p.id) FROM {p} p),
                   (SELECT string_agg(pl.id || ':' || pl.xmin::text || pl.ctid::text, ',' ORDER BY pl.id) FROM {pl} pl)
               )),
               (SELECT min(t) FROM c, LATERAL (VALUES (c.starts_at), (c.ends_at)) AS moments(t) WHERE t > %(now)s)
               {person_columns}
          FROM m {person_join}
    """  # noqa: S608 - table names from the models' metadata; every value is a parameter


@dataclass(frozen=True)
class BrandState:
    """The brand of a slug as the fingerprint saw it: which merchant, its language (a visitor's
    fallback) and ``version`` (the fingerprint and the next moment a campaign starts or ends;
    None on SQLite, where nothing is kept)."""

    merchant_id: int
    merchant_language: str
    version: str | None
    # The row of the ``person`` statement given to brand_state_get, read with the state.
    person: tuple | None = field(default=None, compare=False)

    def key(self, kind: str, *parts: object) -> str | None:
        """The cache key of ``kind`` kept for this state in the active language and time zone,
        with ``parts`` (what else it varies on); None when nothing is kept (SQLite)."""
        if self.version is None:
            return None
        language = translation.get_language() or settings.LANGUAGE_CODE
        zone = timezone.get_current_timezone_name()
        raw = "|".join(map(str, (self.version, language, zone, _code_version(), *parts)))
        return f"brand-page:{kind}:{self.merchant_id}:{hashlib.sha256(raw.encode()).hexdigest()}"


def brand_state_get(*, slug: str, now: datetime, person: tuple[str, dict] | None = None) -> BrandState:
    """The state of the brand page of ``slug`` at ``now``, in one statement (404: no such brand).

    ``person``: ``(sql, values)``, a SELECT of one row about the visitor, read in the same statement
    (one round trip) as ``BrandState.person``: ``sql`` may use ``m.id`` (the brand's id) and named
    parameters (``%(name)s``, in ``values``). It must be the same text on every call (the statement
    is prepared once per database session, kept by its text). Not on SQLite: the caller
    reads it on its own."""
    if connection.vendor != "postgresql":
        row = Merchant.objects.filter(slug=slug).values_list("pk", "language").first()
        if row is None:
            raise Http404(gettext("No brand at this address."))
        return BrandState(merchant_id=row[0], merchant_language=row[1], version=None)
    values = {"slug": slug, "ended": CampaignStatus.ENDED, "now": now}
    if person is not None:
        values.update(person[1])
    with bound_cursor() as cursor:
        # Prepared once per database session: planning it cost more than running it.
        cursor.execute(_sql(person[0] if person else ""), values)
        row = cursor.fetchone()
    if row is None:
        raise Http404(gettext("No brand at this address."))
    merchant_id, language, digest, next_change, *person_row = row
    moment = next_change.isoformat() if next_change is not None else "-"
    return BrandState(
        merchant_id=merchant_id,
        merchant_language=language,
        version=f"{digest}|{moment}",
        person=tuple(person_row) if person is not None else None,
    )


@functools.cache
@functools.cache
def _code_version() -> str:
    """What the kept pages were made by besides the rows: the page's templates, the modules that
    turn the rows into offers and words, and the compiled catalogues (size and modification time
    of each file). A deploy that changes any of them starts new keys, even in a cache (Redis)
    that outlives the processes. Read once per process."""
    files = [Path(sys.modules[name].__file__) for name in _CODE_MODULES if name in sys.modules]
    files += [Path(get_template(name).origin.name) for name in _PAGE_TEMPLATES]
    locales = [*map(Path, settings.LOCALE_PATHS), *(Path(a.path) / "locale" for a in apps.get_app_configs())]
    for locale in locales:
        if locale.is_dir():
            files += sorted(locale.glob("*/LC_MESSAGES/*.mo"))
    digest = hashlib.sha256()
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _earnings(offers: list[dict], *, returning: bool, after_sign_in: bool) -> BrandEarnings | None:
    """The page's top for one kind of visitor: without the sign-in offers once the sign-in was counted;
    with the returning customer's amount as the only amount for a returning customer."""
    items = []
    for item in offers:
        kept = [o for o in item["offers"] if not (after_sign_in and o.action in LOGIN_ACTIONS)]
        if returning:
            kept = [replace(o, new_user=o.returning_user) for o in kept]
        items.append({**item, "offers": kept})
    return earnings_from_offers(items)


def _build(*, merchant: Merchant, now: datetime) -> BrandPage:
    offers = landing_offers(merchant=merchant, now=now)
    share_campaigns = [
        item["campaign"] for item in offers if any(o.action == ActionType.SHARE_VIDEO for o in item["offers"])
    ]
    videos = list(video_list(merchant=merchant))
    language = translation.get_language() or settings.LANGUAGE_CODE
    for video in videos:
        video.offered_title = video.title_in(language)
        video.offered_caption = video.caption_for(share_campaigns, language)
    page = BrandPage(
        merchant=merchant,
        earnings=_earnings(offers, returning=False, after_sign_in=False),
        earnings_after_sign_in=_earnings(offers, returning=False, after_sign_in=True),
        earnings_returning=_earnings(offers, returning=True, after_sign_in=False),
        earnings_returning_after_sign_in=_earnings(offers, returning=True, after_sign_in=True),
        campaigns=offers,
        videos=videos,
        videos_downloadable=any(video.file for video in videos),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    page.anonymous_offers_html = mark_safe(
        render_to_string(
            OFFERS_TEMPLATE,
            {
                "merchant": merchant,
                "campaigns": page.campaigns_for(is_creator=False),
                "videos": videos,
                "videos_downloadable": page.videos_downloadable,
                "user": AnonymousUser(),
                "claimed": (),
            },
        )
    )
    return page


def brand_page_for(*, state: BrandState, slug: str, now: datetime) -> BrandPage:
    """The brand page's data for ``state`` (from :func:`brand_state_get`) in the active language:
    kept under the state's key, built on a miss. On SQLite it is built on every request."""
    key = state.key("data")
    if key is None:
        return _build(merchant=Merchant.objects.get(pk=state.merchant_id), now=now)  # version None
    page = _cache_get(key)
    if page is None:
        # Built from one snapshot of the database, the one its key is computed from: a change
        # committed meanwhile can't end up in a page kept under the key of the state before it.
        outermost = connection.get_autocommit()  # inside another transaction, its snapshot rules
        with transaction.atomic():
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            state = brand_state_get(slug=slug, now=now)
            page = _build(merchant=Merchant.objects.get(pk=state.merchant_id), now=now)
        page.version = state.version
        _cache_set(state.key("data"), page)
    return page


def brand_page_get(*, slug: str, now: datetime) -> BrandPage:
    """The brand page's data for ``slug`` at ``now`` in the active language (404: no such brand)."""
    return brand_page_for(state=brand_state_get(slug=slug, now=now), slug=slug, now=now)


# The whole page as sent, kept per state and per what else it varies on (the view says what),
# with the CSRF token of the request it was rendered for replaced by a placeholder no rendered
# text can contain (PostgreSQL refuses NUL in text; the page escapes what it shows).
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page_body_get(key: str | None, request: HttpRequest) -> str | None:
    """The page kept under ``key`` with this request's CSRF token in its forms; None: not kept."""
    if key is None:
        return None
    body = _cache_get(key)
    if body is None:
        return None
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, csrf_token_get(request))
    return body


def page_body_keep(key: str | None, body: str) -> None:
    """Keep ``body`` (a page just rendered) under ``key``, its CSRF token replaced by the
    placeholder. A page whose forms carry different tokens is not kept."""
    if key is None:
        return
    tokens = set(_CSRF_INPUT.findall(body))
    if len(tokens) > 1 or CSRF_PLACEHOLDER in body:
        logger.warning("brand page not kept: %d different CSRF tokens in it", len(tokens))
        return
    if tokens:
        body = body.replace(tokens.pop(), CSRF_PLACEHOLDER)
    _cache_set(key, body)


def _cache_get(key: str):
    """What the cache keeps under ``key``; None when it keeps nothing or can't be reached (a cache
    that is down costs the page its build, never a 500)."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("cache unavailable; the brand page is built", exc_info=True)
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        logger.warning("cache unavailable; the brand page was not kept", exc_info=True)
