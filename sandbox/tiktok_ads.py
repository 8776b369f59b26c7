"""A fake of the TikTok Marketing API v1.3 (``/open_api/v1.3/...``) for Promote's adapter.

Every answer is TikTok's envelope ``{"code", "message", "request_id", "data"}`` (``code`` 0 on
success; 40001 bad access token, 40002 bad parameters, 40100 unknown object). Creates honour
``request_id``: the same id returns the object made the first time. The report spends each ad
group's total budget evenly over its schedule at 80 % (so a promotion under-delivers), with
counts that follow from the spend; deterministic, so tests can assert on it.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sandbox.models import SandboxAdObject

FORMAT = "%Y-%m-%d %H:%M:%S"


def _envelope(data=None, *, code: int = 0, message: str = "OK", status: int = 200) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message, "request_id": secrets.token_hex(10), "data": data or {}},
        status=status,
    )


def _authorised(request: HttpRequest) -> bool:
    return request.headers.get("Access-Token", "") == settings.TIKTOK_ADS_ACCESS_TOKEN


def _create(request: HttpRequest, kind: str, required: list[str], make) -> JsonResponse:
    if not _authorised(request):
        return _envelope(code=40001, message="Access token is incorrect or has been revoked.", status=200)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        return _envelope(code=40002, message="The request body is not JSON.")
    missing = [f for f in required if body.get(f) in (None, "", [])]
    if missing or body.get("advertiser_id") != settings.TIKTOK_ADS_ADVERTISER_ID:
        return _envelope(code=40002, message=f"Invalid parameters: {', '.join(missing) or 'advertiser_id'}.")
    request_id = str(body.get("request_id") or secrets.token_hex(16))
    earlier = SandboxAdObject.objects.filter(request_id=request_id).first()
    if earlier:
        return _envelope(make(earlier))
    try:
        with transaction.atomic():
            obj = SandboxAdObject.objects.create(
                kind=kind,
                object_id=str(1_800_000_000_000_000 + secrets.randbelow(10**15)),
                request_id=request_id,
                payload=body,
            )
    except IntegrityError:
        obj = SandboxAdObject.objects.get(request_id=request_id)
    return _envelope(make(obj))


@csrf_exempt
@require_POST
def campaign_create(request: HttpRequest) -> JsonResponse:
    return _create(
        request,
        "campaign",
        ["advertiser_id", "campaign_name", "objective_type"],
        lambda o: {"campaign_id": o.object_id},
    )


@csrf_exempt
@require_POST
def adgroup_create(request: HttpRequest) -> JsonResponse:
    fields = [
        "advertiser_id",
        "campaign_id",
        "budget",
        "schedule_start_time",
        "schedule_end_time",
        "location_ids",
        "optimization_goal",
    ]
    return _create(request, "adgroup", fields, lambda o: {"adgroup_id": o.object_id})


@csrf_exempt
@require_POST
def ad_create(request: HttpRequest) -> JsonResponse:
    return _create(
        request, "ad", ["advertiser_id", "adgroup_id", "creatives"], lambda o: {"ad_ids": [o.object_id]}
    )


@require_GET
def report(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        return _envelope(code=40001, message="Access token is incorrect or has been revoked.")
    try:
        filtering = json.loads(request.GET.get("filtering", "[]"))
        campaign_ids = json.loads(filtering[0]["filter_value"])
        start_date = datetime.strptime(request.GET["start_date"], "%Y-%m-%d").replace(tzinfo=UTC)
        end_date = datetime.strptime(request.GET["end_date"], "%Y-%m-%d").replace(tzinfo=UTC) + timedelta(
            days=1
        )
    except (KeyError, IndexError, ValueError, TypeError, RecursionError):
        return _envelope(code=40002, message="Invalid parameters: filtering, start_date, end_date.")
    rows = []
    for adgroup in SandboxAdObject.objects.filter(kind="adgroup"):
        body = adgroup.payload
        if body.get("campaign_id") not in campaign_ids:
            continue
        start = datetime.strptime(body["schedule_start_time"], FORMAT).replace(tzinfo=UTC)
        end = datetime.strptime(body["schedule_end_time"], FORMAT).replace(tzinfo=UTC)
        hours = max(int((end - start) / timedelta(hours=1)), 1)
        spend = (Decimal(str(body["budget"])) * Decimal("0.8") / hours).quantize(Decimal("0.01"), ROUND_DOWN)
        impressions = int(spend * 200)
        hour = max(start, start_date)
        while hour < min(end, end_date):
            rows.append(
                {
                    "dimensions": {
                        "campaign_id": body["campaign_id"],
                        "stat_time_hour": hour.strftime(FORMAT),
                    },
                    "metrics": {
                        "spend": str(spend),
                        "impressions": str(impressions),
                        "video_play_actions": str(impressions * 45 // 100),
                        "clicks": str(impressions * 12 // 1000),
                        "follows": str(impressions * 4 // 1000),
                        "live_views": str(impressions * 40 // 1000),
                    },
                }
            )
            hour += timedelta(hours=1)
    page_size = int(request.GET.get("page_size", "1000") or 1000)
    page = int(request.GET.get("page", "1") or 1)
    total_page = max((len(rows) + page_size - 1) // page_size, 1)
    chunk = rows[(page - 1) * page_size : page * page_size]
    return _envelope(
        {
            "list": chunk,
            "page_info": {
                "page": page,
                "page_size": page_size,
                "total_number": len(rows),
                "total_page": total_page,
            },
        }
    )
