"""The production delivery provider: an order mapped onto the TikTok Marketing API (v1.3).

At launch (once, before the first hour is recorded) an order becomes, under TikJoy's
advertiser account:

- a campaign (``/campaign/create/``): the goal's objective, ``BUDGET_MODE_INFINITE``;
- an ad group (``/adgroup/create/``): ``BUDGET_MODE_TOTAL`` with the order's budget in the
  advertiser's currency (coins at the price table, rounded down), ``SCHEDULE_START_END`` over
  the order's run, the locations (GeoNames ids of the order's country, or of every country
  where the kind is launched) and age groups, the goal's optimisation goal;
- a Spark Ad (``/ad/create/``) on the post, ``identity_type: AUTH_CODE`` with the authorization
  code the person generated for that post in TikTok; for a LIVE order no post and no code: a
  ``LIVE_CONTENT`` ad whose identity is the TikTok account of the LIVE room (its username). TikTok
  serves it only once that account is authorised to TikJoy's advertiser, which is not built yet.

Every create carries a ``request_id`` derived from the order, so a launch retried after a
crash finds the objects it made instead of making them twice. Results come from
``/report/integrated/get/`` by ``stat_time_hour`` (spend, impressions, video views, clicks,
follows), the spend turned back into whole coins at the same price.

Every answer is TikTok's envelope ``{code, message, request_id, data}``; ``code`` 0 is success,
anything else raises ``TikTokAdsError`` with TikTok's message. In tests and the sandbox the
base URL points at ``sandbox/tiktok_ads.py``, which speaks the same envelope, so this adapter
is what the tests exercise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import requests
from django.conf import settings

from core.errors import DomainError
from promote.delivery import HourResult, OrderPlan

# GeoNames ids TikTok uses as location_ids, for the countries of the seed's matrix.
LOCATION_IDS = {
    "AE": "290557", "AU": "2077456", "BR": "3469034", "CA": "6251999", "DE": "2921044",
    "EG": "357994", "ES": "2510769", "FR": "3017382", "GB": "2635167", "ID": "1643084",
    "IT": "3175395", "JP": "1861060", "KR": "1835841", "MY": "1733045", "PL": "798544",
    "SA": "102358", "TH": "1605651", "TR": "298795", "US": "6252001", "VN": "1562822",
}  # fmt: skip
AGE_GROUPS = (
    ("AGE_18_24", 18, 24),
    ("AGE_25_34", 25, 34),
    ("AGE_35_44", 35, 44),
    ("AGE_45_54", 45, 54),
    ("AGE_55_100", 55, 100),
)
# goal -> (campaign objective_type, ad group optimization_goal, billing_event)
GOALS = {
    "VIEWS": ("VIDEO_VIEWS", "ENGAGED_VIEW", "CPV"),
    "WEBSITE_VISITS": ("TRAFFIC", "CLICK", "CPC"),
    "FOLLOWERS": ("ENGAGEMENT", "FOLLOWERS", "OCPM"),
    "PRODUCT_CLICKS": ("PRODUCT_SALES", "CLICK", "CPC"),
    "LIVE_VIEWERS": ("LIVE_SHOPPING", "LIVE_VIEW", "OCPM"),
}
METRICS = ["spend", "impressions", "video_play_actions", "clicks", "follows", "live_views"]


class TikTokAdsError(DomainError):
    def __init__(self, code: int, message: str, request_id: str = ""):
        self.code = code
        self.request_id = request_id
        super().__init__(f"TikTok Marketing API error {code}: {message}")


@dataclass(frozen=True)
class Launch:
    """What launching an order needs beyond its plan."""

    countries: list[str]
    age_min: int
    age_max: int
    starts_at: datetime
    spark_auth_code: str
    pack_coins: int
    pack_price: Decimal
    live_account: str = ""  # a LIVE order's TikTok username (its LIVE room)


class TikTokAds:
    name = "tiktok"
    needs_launch = True

    def __init__(
        self, *, base_url: str | None = None, token: str | None = None, advertiser_id: str | None = None
    ):
        self.base_url = (base_url or settings.TIKTOK_ADS_API_BASE).rstrip("/")
        self.token = token or settings.TIKTOK_ADS_ACCESS_TOKEN
        self.advertiser_id = advertiser_id or settings.TIKTOK_ADS_ADVERTISER_ID

    # --- HTTP -------------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict) -> dict:
        url = f"{self.base_url}/{path.strip('/')}/"
        headers = {"Access-Token": self.token}
        try:
            if method == "GET":
                flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
                response = requests.get(
                    url, params=flat, headers=headers, timeout=settings.TIKTOK_HTTP_TIMEOUT_SECONDS
                )
            else:
                response = requests.post(
                    url, json=payload, headers=headers, timeout=settings.TIKTOK_HTTP_TIMEOUT_SECONDS
                )
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise TikTokAdsError(-1, f"no answer ({exc.__class__.__name__})") from exc
        if not isinstance(body, dict) or "code" not in body:
            raise TikTokAdsError(-1, "an answer without TikTok's envelope")
        if body["code"] != 0:
            raise TikTokAdsError(
                int(body["code"]), str(body.get("message", "")), str(body.get("request_id", ""))
            )
        return body.get("data") or {}

    # --- launch -----------------------------------------------------------------------------

    def budget(self, plan: OrderPlan, launch: Launch) -> Decimal:
        return (Decimal(plan.budget_coins) * launch.pack_price / launch.pack_coins).quantize(
            Decimal("0.01"), ROUND_DOWN
        )

    def launch(self, plan: OrderPlan, launch: Launch) -> dict:
        objective, optimization, billing = GOALS[plan.goal]
        start = launch.starts_at
        end = start + timedelta(days=plan.duration_days)
        name = f"TikJoy promotion {plan.order_id}"
        campaign = self._call(
            "POST",
            "campaign/create",
            {
                "advertiser_id": self.advertiser_id,
                "campaign_name": name,
                "objective_type": objective,
                "budget_mode": "BUDGET_MODE_INFINITE",
                "request_id": f"tikjoy-{plan.order_id}-campaign",
            },
        )
        adgroup = self._call(
            "POST",
            "adgroup/create",
            {
                "advertiser_id": self.advertiser_id,
                "campaign_id": campaign["campaign_id"],
                "adgroup_name": name,
                "placement_type": "PLACEMENT_TYPE_NORMAL",
                "placements": ["PLACEMENT_TIKTOK"],
                "location_ids": [LOCATION_IDS[c] for c in launch.countries if c in LOCATION_IDS],
                "age_groups": [
                    g for g, low, high in AGE_GROUPS if low <= launch.age_max and high >= launch.age_min
                ],
                "budget_mode": "BUDGET_MODE_TOTAL",
                "budget": float(self.budget(plan, launch)),
                "schedule_type": "SCHEDULE_START_END",
                "schedule_start_time": start.strftime("%Y-%m-%d %H:%M:%S"),
                "schedule_end_time": end.strftime("%Y-%m-%d %H:%M:%S"),
                "optimization_goal": optimization,
                "billing_event": billing,
                "bid_type": "BID_TYPE_NO_BID",
                "request_id": f"tikjoy-{plan.order_id}-adgroup",
            },
        )
        ad = self._call(
            "POST",
            "ad/create",
            {
                "advertiser_id": self.advertiser_id,
                "adgroup_id": adgroup["adgroup_id"],
                "creatives": [self.creative(plan, launch, name)],
                "request_id": f"tikjoy-{plan.order_id}-ad",
            },
        )
        return {
            "campaign_id": str(campaign["campaign_id"]),
            "adgroup_id": str(adgroup["adgroup_id"]),
            "ad_id": str((ad.get("ad_ids") or [""])[0]),
        }

    def creative(self, plan: OrderPlan, launch: Launch, name: str) -> dict:
        """A video's Spark Ad names the post by its authorization code; a LIVE promotes the
        account's LIVE room: no post, no code, the account as the ad's identity."""
        if plan.kind == "LIVE":
            return {
                "ad_name": name,
                "ad_format": "LIVE_CONTENT",
                "identity_type": "TT_USER",
                "identity_id": launch.live_account,
            }
        return {
            "ad_name": name,
            "ad_format": "SINGLE_VIDEO",
            "identity_type": "AUTH_CODE",
            "tiktok_item_id": launch.spark_auth_code,
        }

    # --- results ----------------------------------------------------------------------------

    def report(self, *, campaign_id: str, start: datetime, end: datetime) -> dict[datetime, dict]:
        """Hourly metrics of a campaign between two instants, by the hour's start (UTC)."""
        rows: dict[datetime, dict] = {}
        page = 1
        while True:
            data = self._call(
                "GET",
                "report/integrated/get",
                {
                    "advertiser_id": self.advertiser_id,
                    "report_type": "BASIC",
                    "data_level": "AUCTION_CAMPAIGN",
                    "dimensions": ["campaign_id", "stat_time_hour"],
                    "metrics": METRICS,
                    "start_date": start.strftime("%Y-%m-%d"),
                    "end_date": end.strftime("%Y-%m-%d"),
                    "filtering": [
                        {
                            "field_name": "campaign_ids",
                            "filter_type": "IN",
                            "filter_value": f'["{campaign_id}"]',
                        }
                    ],
                    "page": str(page),
                    "page_size": "1000",
                },
            )
            for row in data.get("list", []):
                hour = datetime.strptime(row["dimensions"]["stat_time_hour"], "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=start.tzinfo
                )
                rows[hour] = row["metrics"]
            info = data.get("page_info") or {}
            if page >= int(info.get("total_page", 1)):
                return rows
            page += 1

    def deliver(self, plan: OrderPlan, *, first_hour: int, hours: int) -> list[HourResult]:
        if not plan.external.get("campaign_id") or plan.starts_at is None:
            raise TikTokAdsError(-1, f"promotion {plan.order_id} was not launched")
        last = min(first_hour + hours, plan.duration_days * 24)
        start = plan.starts_at + timedelta(hours=first_hour)
        end = plan.starts_at + timedelta(hours=last)
        rows = (
            self.report(campaign_id=plan.external["campaign_id"], start=start, end=end)
            if last > first_hour
            else {}
        )
        out = []
        for index in range(first_hour, last):
            m = rows.get(plan.starts_at + timedelta(hours=index), {})
            spend = Decimal(str(m.get("spend", "0")))
            coins = int(spend * plan.pack_coins / plan.pack_price) if plan.pack_price else 0
            out.append(
                HourResult(
                    hour_index=index,
                    spent_coins=coins,
                    impressions=int(m.get("impressions", 0)),
                    views=int(m.get("video_play_actions", 0)),
                    clicks=int(m.get("clicks", 0)),
                    follows=int(m.get("follows", 0)),
                    product_clicks=int(m.get("clicks", 0)) if plan.goal == "PRODUCT_CLICKS" else 0,
                    live_viewers=int(m.get("live_views", 0)),
                )
            )
        return out
