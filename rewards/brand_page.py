"""What the brand page ``/b/<slug>/`` shows, read once and kept while its sources are unchanged.

The page's offers (live campaigns, their rules after the platform's margin, the headline), its
videos and the merchant's name and logo come from a handful of tables. Reading and rendering them
took ten queries and most of the page's time, for every visitor, while they change a few times a
day. So one SQL statement (no ORM compilation, one round trip) reads, for the merchant of a slug:

- a fingerprint: the md5 of every row the page is built from, whole (``to_jsonb``): the merchant;
  every campaign of it not ENDED (ENDED is final) without its running ``spent`` and
  ``updated_at`` (they change with every reward paid and show nothing) but with whether its
  budget is spent; their texts in other languages (``CampaignText``); their reward rules without their running ``rewards_paid`` but with whether
  ``max_rewards`` is reached; the videos and their texts in other languages (``VideoText``); the merchant's pricing assignment and every pricing plan;
- the next moment any of those campaigns starts or ends (``starts_at``/``ends_at`` after now).

Both are the cache key, with the active language: the page keeps the offers' words, the headline
and the campaigns' names rendered in one language, so an Italian visitor and an English one each
get their own copy. A campaign edited, paused (by the merchant, or by the engine when the
funds or the budget run out), resumed, ended, a rule or a budget changed, money that makes the
engine resume it, a video or a logo changed, a plan reassigned: each changes a row, so the next
request has another fingerprint and builds the page afresh; a campaign starting or ending changes
the "next moment". Nothing has to remember to invalidate anything, writes through ``update()``
included, and every server process agrees without a shared cache. A new column in those tables
joins the fingerprint by itself. A page is built in one REPEATABLE READ snapshot with its
fingerprint, so a change committed while it is built can't be kept under the key of the state
before it (which a later revert, a pause then a resume, would bring back). What is kept (``django.core.cache``, the default cache, an hour
at most) is the data and, for visitors who are not signed in, the offers' HTML.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from campaigns.models import (
    ActionType,
    Campaign,
    CampaignStatus,
    CampaignText,
    MerchantPricing,
    PricingPlan,
    RewardRule,
    Video,
    VideoText,
)
from campaigns.selectors import landing_offers, video_list
from merchants.models import Merchant
from rewards.brand_poster import BrandEarnings, earnings_from_offers

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600
OFFERS_TEMPLATE = "campaigns/landing_offers.html"


@dataclass
class BrandPage:
    merchant: Merchant
    earnings: BrandEarnings | None
    campaigns: list[dict]  # landing_offers(): {"campaign", "offers"}
    videos: list[Video]
    anonymous_offers_html: SafeString = field(default_factory=lambda: mark_safe(""))
    language: str = ""  # the language it was rendered in (its words and the offers' HTML)

    def campaigns_for(self, *, is_creator: bool) -> list[dict]:
        """The campaigns with whether this visitor may submit a video (a fresh list: the cached
        one is shared by every request of this process)."""
        return [
            {**item, "ugc_open": item["campaign"].ugc_policy == "ALL_USERS" or is_creator}
            for item in self.campaigns
        ]


def _sql() -> str:
    m, c, r = Merchant._meta.db_table, Campaign._meta.db_table, RewardRule._meta.db_table
    v, mp, p = Video._meta.db_table, MerchantPricing._meta.db_table, PricingPlan._meta.db_table
    t, vt = CampaignText._meta.db_table, VideoText._meta.db_table
    return f"""
        SELECT m.id,
               md5(concat_ws('|',
                   to_jsonb(m)::text,
                   (SELECT string_agg(((to_jsonb(c) - 'spent' - 'updated_at')
                                       || jsonb_build_object('budget_spent', c.spent >= c.budget))::text,
                                      ',' ORDER BY c.id)
                      FROM {c} c WHERE c.merchant_id = m.id AND c.status <> %(ended)s),
                   (SELECT string_agg(((to_jsonb(r) - 'rewards_paid')
                                       || jsonb_build_object('exhausted', r.rewards_paid >= r.max_rewards))::text,
                                      ',' ORDER BY r.id)
                      FROM {r} r JOIN {c} c ON c.id = r.campaign_id
                     WHERE c.merchant_id = m.id AND c.status <> %(ended)s),
                   (SELECT string_agg(to_jsonb(t)::text, ',' ORDER BY t.id)
                      FROM {t} t JOIN {c} c ON c.id = t.campaign_id
                     WHERE c.merchant_id = m.id AND c.status <> %(ended)s),
                   (SELECT string_agg(to_jsonb(v)::text, ',' ORDER BY v.id) FROM {v} v WHERE v.merchant_id = m.id),
                   (SELECT string_agg(to_jsonb(vt)::text, ',' ORDER BY vt.id)
                      FROM {vt} vt JOIN {v} v ON v.id = vt.video_id WHERE v.merchant_id = m.id),
                   (SELECT string_agg(to_jsonb(mp)::text, ',' ORDER BY mp.id) FROM {mp} mp WHERE mp.merchant_id = m.id),
                   (SELECT string_agg(to_jsonb(p)::text, ',' ORDER BY p.id) FROM {p} p)
               )),
               (SELECT min(t) FROM {c} c,
                       LATERAL (VALUES (c.starts_at), (c.ends_at)) AS moments(t)
                 WHERE c.merchant_id = m.id AND c.status <> %(ended)s AND t > %(now)s)
          FROM {m} m
         WHERE m.slug = %(slug)s
    """  # noqa: S608 - table names from the models' metadata; every value is a parameter


def _fingerprint(*, slug: str, now: datetime) -> tuple[int, str] | None:
    """(merchant id, cache key) of the brand page of ``slug`` as it is at ``now`` in the active
    language (the offers' words and the campaigns' names are kept rendered); None: no such brand."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), {"slug": slug, "now": now, "ended": CampaignStatus.ENDED})
        row = cursor.fetchone()
    if row is None:
        return None
    merchant_id, digest, next_change = row
    moment = next_change.isoformat() if next_change is not None else "-"
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = hashlib.sha256(f"{merchant_id}|{digest}|{moment}|{language}".encode()).hexdigest()
    return merchant_id, f"brand-page:{merchant_id}:{key}"


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
        earnings=earnings_from_offers(offers),
        campaigns=offers,
        videos=videos,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    page.anonymous_offers_html = mark_safe(
        render_to_string(
            OFFERS_TEMPLATE,
            {
                "merchant": merchant,
                "campaigns": page.campaigns_for(is_creator=False),
                "videos": videos,
                "user": AnonymousUser(),
            },
        )
    )
    return page


def brand_page_get(*, slug: str, now: datetime) -> BrandPage:
    """The brand page's data for ``slug`` at ``now`` (404 when there is no such brand).

    On SQLite (``make run`` on a fresh machine) the page is built on every request."""
    if connection.vendor != "postgresql":
        merchant = Merchant.objects.filter(slug=slug).first()
        if merchant is None:
            raise Http404(gettext("No brand at this address."))
        return _build(merchant=merchant, now=now)
    found = _fingerprint(slug=slug, now=now)
    if found is None:
        raise Http404(gettext("No brand at this address."))
    page = cache.get(found[1])
    if page is None:
        # Built from one snapshot of the database, the one its key is computed from: a change
        # committed meanwhile can't end up in a page kept under the key of the state before it.
        outermost = connection.get_autocommit()  # inside another transaction, its snapshot rules
        with transaction.atomic():
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            found = _fingerprint(slug=slug, now=now)
            if found is None:
                raise Http404(gettext("No brand at this address."))
            merchant_id, key = found
            page = _build(merchant=Merchant.objects.get(pk=merchant_id), now=now)
        cache.set(key, page, CACHE_SECONDS)
    return page
