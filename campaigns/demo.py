"""The demo campaign that ``manage.py seed_demo`` loads for the demo merchant. Idempotent.

Everything here is clearly demo content: the campaign and videos say "Demo" in their names (in
each language TikJoy speaks: the campaign's and the videos' texts in Italian, German, French and
Spanish, as a merchant gives them on the console), the library videos are TikTok links, and the UGC
submission's file is a tiny placeholder (an mp4 header only, not a playable video) because no video
encoder ships with the project.

The campaign went live three weeks before ``now`` (``DEMO_HISTORY``), so the demo's rewards can be
earned and confirmed in the past: nothing the demo shows happens after ``make run`` starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile

from campaigns import services
from campaigns.models import ActionType, Campaign, CampaignStatus, UgcPolicy, UgcSubmission, Video
from merchants.demo import demo_merchant_ensure
from social.services import creator_status_set

DEMO_CAMPAIGN_NAME = "Demo: Winter warm-up JoyBack"
# French texts put a no-break space (U+00A0) before ":" ";" "?" "!" and inside « », so a narrow
# screen never starts a line with the colon.
DEMO_CAMPAIGN_TEXTS = {
    "it": "Demo: JoyBack d\u2019inverno per scaldarsi",
    "de": "Demo: Winter-JoyBack zum Aufwärmen",
    "fr": "Démo\u00a0: JoyBack pour se réchauffer cet hiver",
    "es": "Demo: JoyBack para entrar en calor este invierno",
}
DEMO_HISTORY = timedelta(days=21)  # the campaign went live this long before the demo's "now"
DEMO_HASHTAG = "joycoffeewinter"
DEMO_VIDEOS = (
    (
        "Demo: latte art in 10 seconds",
        "Latte art at Joy Coffee",
        "https://www.tiktok.com/@joycoffee.demo/video/7300000000000000001",
    ),
    (
        "Demo: our winter menu",
        "Winter menu at Joy Coffee",
        "https://www.tiktok.com/@joycoffee.demo/video/7300000000000000002",
    ),
    (
        "Demo: behind the roaster",
        "How we roast at Joy Coffee",
        "https://www.tiktok.com/@joycoffee.demo/video/7300000000000000003",
    ),
)
# Each video's (title, caption) in the other languages, by its English title.
DEMO_VIDEO_TEXTS = {
    "Demo: latte art in 10 seconds": {
        "it": ("Demo: latte art in 10 secondi", "Latte art da Joy Coffee"),
        "de": ("Demo: Latte Art in 10 Sekunden", "Latte Art bei Joy Coffee"),
        "fr": ("Démo\u00a0: latte art en 10 secondes", "Latte art chez Joy Coffee"),
        "es": ("Demo: latte art en 10 segundos", "Latte art en Joy Coffee"),
    },
    "Demo: our winter menu": {
        "it": ("Demo: il nostro menu invernale", "Il menu invernale di Joy Coffee"),
        "de": ("Demo: unsere Winterkarte", "Die Winterkarte von Joy Coffee"),
        "fr": ("Démo\u00a0: notre carte d\u2019hiver", "La carte d\u2019hiver de Joy Coffee"),
        "es": ("Demo: nuestro menú de invierno", "El menú de invierno de Joy Coffee"),
    },
    "Demo: behind the roaster": {
        "it": ("Demo: dietro il tostatore", "Come tostiamo da Joy Coffee"),
        "de": ("Demo: hinter dem Röster", "So rösten wir bei Joy Coffee"),
        "fr": (
            "Démo\u00a0: dans les coulisses de la torréfaction",
            "Comment nous torréfions chez Joy Coffee",
        ),
        "es": ("Demo: detrás del tostador", "Así tostamos en Joy Coffee"),
    },
}
PLACEHOLDER_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 40


def demo_rules() -> list[dict]:
    return [
        {
            "action": ActionType.TIKTOK_LOGIN,
            "is_enabled": True,
            "amount": Decimal("1.00"),
            "max_rewards": 1000,
        },
        {
            "action": ActionType.WHATSAPP_LOGIN,
            "is_enabled": True,
            "amount": Decimal("0.50"),
            "max_rewards": 1000,
        },
        {
            "action": ActionType.SHARE_VIDEO,
            "is_enabled": True,
            "amount": Decimal("2.00"),
            "per_1000_views": Decimal("0.25"),
            "per_like": Decimal("0.01"),
            "per_comment": Decimal("0.02"),
            "per_share": Decimal("0.05"),
            "max_per_post": Decimal("25.00"),
            "max_rewards": 500,
        },
        {"action": ActionType.LIKE, "is_enabled": True, "amount": Decimal("0.05")},
        {"action": ActionType.COMMENT, "is_enabled": True, "amount": Decimal("0.10")},
        # Reported by the merchant's shop through the API (POST /api/v1/actions): off until it does.
        {"action": ActionType.PURCHASE, "is_enabled": False, "amount": Decimal("1.00")},
        {"action": ActionType.SIGN_UP, "is_enabled": False, "amount": Decimal("0.50")},
    ]


def _plain_spaces(value):
    """A demo text (or a video's (title, caption)) with its no-break spaces as ordinary ones."""
    if isinstance(value, tuple):
        return tuple(_plain_spaces(part) for part in value)
    return value.replace("\N{NO-BREAK SPACE}", " ")


def _demo_texts_due(current: dict, demo: dict) -> bool:
    """Whether the demo's texts in other languages are to be written: none yet, or the demo's own
    as an earlier ``seed_demo`` wrote them, with ordinary spaces where French now has no-break ones.
    Texts changed by hand on the console are kept."""
    if not current:
        return True
    plain = {language: _plain_spaces(text) for language, text in demo.items()}
    return current != demo and {language: _plain_spaces(text) for language, text in current.items()} == plain


def demo_campaigns_ensure(*, merchant, owner, creator, now: datetime) -> Campaign:
    """A live campaign with a rule for every action, three library videos and one UGC video to review."""
    campaign = Campaign.objects.filter(merchant=merchant, name=DEMO_CAMPAIGN_NAME).first()
    went_live = now - DEMO_HISTORY
    if campaign is None:
        campaign = services.campaign_create(
            merchant=merchant,
            actor=owner,
            values={
                "name": DEMO_CAMPAIGN_NAME,
                "starts_at": went_live,
                "ends_at": now + timedelta(days=90),
                "budget": Decimal("300.00"),
                "hashtag": DEMO_HASHTAG,
                "mention": "joycoffee.demo",
                "ugc_policy": UgcPolicy.CREATORS_ONLY,
                "new_user_multiplier": Decimal("1.50"),
                "user_daily_cap": Decimal("10.00"),
                "user_campaign_cap": Decimal("40.00"),
            },
            rules=demo_rules(),
            touchpoints=list(merchant.touchpoints.all()),
        )
    if campaign.status == CampaignStatus.DRAFT:
        campaign = services.campaign_activate(campaign=campaign, actor=owner, now=went_live)
    elif campaign.status == CampaignStatus.PAUSED:
        campaign = services.campaign_activate(campaign=campaign, actor=owner, now=now)
    campaign_texts = dict(campaign.texts.values_list("language", "name"))
    if campaign.status != CampaignStatus.ENDED and _demo_texts_due(campaign_texts, DEMO_CAMPAIGN_TEXTS):
        campaign = services.campaign_texts_save(campaign=campaign, actor=owner, texts=DEMO_CAMPAIGN_TEXTS)
    videos = {video.title: video for video in Video.objects.filter(merchant=merchant)}
    for title, caption, url in DEMO_VIDEOS:
        if title not in videos:
            videos[title] = services.video_add(
                merchant=merchant,
                actor=owner,
                title=title,
                caption=caption,
                hashtags=f"#{DEMO_HASHTAG} #joyback",
                mentions="@joycoffee.demo",
                tiktok_url=url,
            )
        video_texts = {text.language: (text.title, text.caption) for text in videos[title].texts.all()}
        if _demo_texts_due(video_texts, DEMO_VIDEO_TEXTS[title]):
            services.video_texts_save(video=videos[title], actor=owner, texts=DEMO_VIDEO_TEXTS[title])
    creator_status_set(user=creator, is_creator=True)
    if not UgcSubmission.objects.filter(campaign=campaign, user=creator).exists():
        placeholder = ContentFile(PLACEHOLDER_MP4, name="demo-ugc-placeholder.mp4")
        placeholder.content_type = "video/mp4"
        services.ugc_submit(
            campaign=campaign,
            user=creator,
            file=placeholder,
            caption=f"Demo submission: my first Joy Coffee winter latte #{DEMO_HASHTAG}",
            now=now,
        )
    return campaign


def demo_seed(*, owner, manager, ops, creator, now: datetime) -> Campaign:
    """For ``seed_demo``: the demo merchant, then its campaign."""
    merchant = demo_merchant_ensure(owner=owner, manager=manager, ops=ops, now=now)
    return demo_campaigns_ensure(merchant=merchant, owner=owner, creator=creator, now=now)
