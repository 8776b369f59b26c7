"""The brand's public page and what a consumer does there: join (consent), claim likes and comments,
stop sharing their data. They compose campaigns (the offers), consent (merchants) and the engine
(rewards), so they live here, above all three. URL names are in the ``brand`` namespace.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from types import SimpleNamespace

from allauth.socialaccount.models import SocialAccount
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.people import consumer_home_url, is_consumer
from campaigns.models import ActionType
from core.db import bound_cursor, model_columns, model_rows
from core.errors import DomainError
from core.http import client_ip_get, device_cookie, device_id_get
from core.i18n import fallback_language_activate
from merchants import services as merchant_services
from merchants.models import CONSENT_TEXT_VERSION, Consent, Membership, Merchant, Touchpoint, consent_text
from merchants.selectors import consent_active_get, consent_items_for
from rewards.brand_page import (
    PAGE_TEMPLATE,
    BrandPage,
    BrandState,
    brand_page_for,
    brand_state_get,
    page_body_get,
    page_body_keep,
)
from rewards.models import Reward, RewardStatus, SocialAction
from rewards.services import action_claim, action_key, brand_join_complete, login_action_key
from social.selectors import creator_expression, login_channel_for, tiktok_uid_expression

SOURCE_SESSION_KEY = "tikjoy_source"


@require_GET
@device_cookie
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    """The brand's public page. ``?t=<touchpoint key>`` is remembered as where the visitor came from.

    What it shows of the brand and its offers is read through ``rewards.brand_page``: one
    statement says whether what the page is built from changed, then the page comes from the
    cache. The page sent is kept whole, per what it varies on (the brand's state, the language
    and time zone, the visitor's part: signed in or not, joined, sign-in counted, the sign-in channel, creator,
    the navigation), its CSRF token put in per request. A request with a query string or with
    messages to show is rendered (from the kept data): its page is its own.
    """
    now = timezone.now()
    # A signed-in visitor's standing is read with the brand's state, in the same statement.
    person = _standing_statement(on_brand=True) if request.user.is_authenticated else None
    state = brand_state_get(
        slug=slug, now=now, person=(person[0], {**person[1], "user": request.user.pk}) if person else None
    )
    # A visitor who chose no language and whose browser asks for none we speak: the brand's.
    fallback_language_activate(request, state.merchant_language)
    key = request.GET.get("t", "")[:64]
    if key:
        touchpoint = Touchpoint.objects.filter(
            merchant_id=state.merchant_id, public_key=key, is_active=True
        ).first()
        if touchpoint is not None:
            request.session[SOURCE_SESSION_KEY] = {"merchant": state.merchant_id, "touchpoint": touchpoint.pk}
    user = request.user
    standing = _standing(user, state) if user.is_authenticated else None
    if request.GET or len(messages.get_messages(request)):
        page = brand_page_for(state=state, slug=slug, now=now)
        return render(request, PAGE_TEMPLATE, _landing_context(page, standing))
    body_key = state.key("html", request.path, *_variant(user, standing))
    body = page_body_get(body_key, request)
    if body is not None:
        return HttpResponse(body)
    page = brand_page_for(state=state, slug=slug, now=now)
    response = render(request, PAGE_TEMPLATE, _landing_context(page, standing))
    # A page built from another state (a change committed since the fingerprint) is not kept
    # under this one's key, where a revert to this state would bring it back.
    if page.version == state.version:
        page_body_keep(body_key, response.content.decode())
    return response


def _variant(user, standing: dict[str, bool] | None) -> tuple[bool, ...]:
    """What the page shows of the visitor (the template reads nothing else of them)."""
    if standing is None:
        return (False,)
    return (
        True,
        standing["joined"],
        standing["login_counted"],
        standing["claimed"],
        standing["returning"],
        standing["login_channel"],
        standing["has_tiktok_account"],
        standing["is_creator"],
        standing["is_consumer"],
        standing["is_member"],
        user.is_staff,
    )


def _landing_context(page: BrandPage, standing: dict[str, bool] | None) -> dict:
    merchant = page.merchant
    context = {
        "merchant": merchant,
        "next": reverse("brand:join", args=[merchant.slug]),
        "earnings": page.earnings,
        "videos": page.videos,
        "videos_downloadable": page.videos_downloadable,
    }
    if standing is not None:
        context.update(
            joined=standing["joined"],
            # Signing in here was counted already (the engine pays it once): promise nothing for it.
            login_counted=standing["login_counted"],
            claimed=standing["claimed"],
            earnings=page.earnings_for(
                returning=standing["returning"], login_counted=standing["login_counted"]
            ),
            earns_by_signing_in=standing["login_channel"],
            can_claim=standing["has_tiktok_account"],
            campaigns=page.campaigns_for(
                is_creator=any(item["campaign"].ugc_policy != "ALL_USERS" for item in page.campaigns)
                and standing["is_creator"]
            ),
            person_is_consumer=standing["is_consumer"],
            person_is_member=standing["is_member"],
        )
    else:
        context.update(
            joined=False,
            claimed=(),
            earns_by_signing_in=False,
            campaigns=page.campaigns,
            offers_html=page.anonymous_offers_html,
        )
    return context


_USER, _MERCHANT = -7_270_000_001, -7_270_000_002  # stand-ins for the values, in the statement below
_LOGIN_KEY = login_action_key(user_id=_USER, merchant_id=_MERCHANT)
# The claims a person makes once per brand (a like, a comment: ``action_key``), keyed as the engine keys them.
_CLAIM_KEYS = {
    action: action_key(
        action_type=action, user=SimpleNamespace(pk=_USER), merchant=SimpleNamespace(pk=_MERCHANT)
    )
    for action in (ActionType.LIKE, ActionType.COMMENT)
}


@functools.cache
def _standing_statement(*, on_brand: bool) -> tuple[str, dict]:
    """The standing query compiled once per process (ORM compilation costs more than running it):
    ``(sql, constants)``, ``sql`` with ``%(user)s`` where the person's id goes and the query's own
    constants as named parameters (``constants``). With ``on_brand``, the brand is ``m.id`` (read in
    the brand's state statement, ``brand_state_get``) and the key of the person's sign-in there is
    computed in SQL; without it, they are ``%(merchant)s`` and ``%(login_key)s``."""
    queryset = (
        User.objects.filter(pk=_USER)
        .annotate(
            active_consent=Exists(
                Consent.objects.active().filter(user=OuterRef("pk"), merchant_id=_MERCHANT)
            ),
            any_consent=Exists(Consent.objects.filter(user=OuterRef("pk"), merchant_id=_MERCHANT)),
            # The engine's own rule (``login_action_key``): one sign-in per person and merchant, paid once.
            login_counted=Exists(SocialAction.objects.filter(key=_LOGIN_KEY)),
            # The like and the comment claimed here already (paid or not, each counts once).
            like_counted=Exists(SocialAction.objects.filter(key=_CLAIM_KEYS[ActionType.LIKE])),
            comment_counted=Exists(SocialAction.objects.filter(key=_CLAIM_KEYS[ActionType.COMMENT])),
            # The engine's ``returning`` (rewards.services): a confirmed reward from the brand before.
            returning=Exists(
                Reward.objects.filter(
                    user=OuterRef("pk"), merchant_id=_MERCHANT, status=RewardStatus.CONFIRMED
                )
            ),
            has_tiktok_account=Exists(SocialAccount.objects.filter(user=OuterRef("pk"), provider="tiktok")),
            is_creator=creator_expression(OuterRef("pk")),
            member=Exists(Membership.objects.filter(user=OuterRef("pk"))),
            acted=Exists(SocialAction.objects.filter(user=OuterRef("pk"))),
        )
        .values_list(*_STANDING_COLUMNS)
    )
    sql, params = queryset.query.sql_with_params()
    if "%%" in sql:  # a literal % would not survive the second formatting below
        raise ValueError("the standing query has a literal %")
    stand_ins = {
        _USER: "%(user)s",
        _MERCHANT: "m.id" if on_brand else "%(merchant)s",
        _LOGIN_KEY: _key_sql(_LOGIN_KEY) if on_brand else "%(login_key)s",
        **{
            key: _key_sql(key) if on_brand else f"%({action.lower()}_key)s"
            for action, key in _CLAIM_KEYS.items()
        },
    }
    placeholders, constants = [], {}
    for i, value in enumerate(params):
        if type(value) in (int, str) and value in stand_ins:
            placeholders.append(stand_ins[value])
        else:
            placeholders.append(f"%(c{i})s")
            constants[f"c{i}"] = value
    return sql % tuple(placeholders), constants


def _key_sql(key: str) -> str:
    """An action key of ``%(user)s`` at the brand ``m.id`` (``login_action_key``, ``action_key``),
    written in SQL from the function itself (called with stand-ins: ``key``), so the two can't differ."""
    values = {str(_USER): "(%(user)s::bigint)::text", str(_MERCHANT): "m.id::text"}
    pieces = re.split(f"({_USER}|{_MERCHANT})", key)
    return "(" + " || ".join(values.get(p, "'" + p.replace("'", "''") + "'") for p in pieces if p) + ")"


_STANDING_COLUMNS = (
    "active_consent",
    "any_consent",
    "login_counted",
    "like_counted",
    "comment_counted",
    "returning",
    "has_tiktok_account",
    "is_creator",
    "member",
    "acted",
)


def _standing(user, state: BrandState) -> dict[str, bool]:
    """Whether the person joined the brand and can earn by signing in, whether they count as a
    creator (``social.selectors.user_is_creator``) and the navigation's consumer rule
    (``accounts.people.is_consumer``: on a merchant's team, any social action): on PostgreSQL read
    with the brand's state (``state.person``, the same statement), elsewhere in one query.

    Joined: agreed to share with the brand and not withdrawn; or, for a person who had nothing to
    share (never asked), the brand's sign-in was recorded. A withdrawn consent is no longer joined
    (joining again asks again). Login counted: the engine recorded the person's sign-in at the brand
    already (``rewards.services.login_action_key``, the key it pays once under), so signing in or
    joining again pays nothing. Earns by signing in: a TikTok account or a verified phone, the rule
    of ``social.selectors.login_channel_for``."""
    if state.person is not None:
        values = state.person
    else:
        sql, constants = _standing_statement(on_brand=False)
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    **constants,
                    "user": user.pk,
                    "merchant": state.merchant_id,
                    "login_key": login_action_key(user_id=user.pk, merchant_id=state.merchant_id),
                    **{
                        f"{action.lower()}_key": action_key(
                            action_type=action, user=user, merchant=SimpleNamespace(pk=state.merchant_id)
                        )
                        for action in _CLAIM_KEYS
                    },
                },
            )
            values = cursor.fetchone()
    row = dict(zip(_STANDING_COLUMNS, values, strict=True))
    joined = bool(row["active_consent"] or (not row["any_consent"] and row["login_counted"]))
    login_channel = bool(row["has_tiktok_account"] or (user.phone and user.phone_verified))
    return {
        "joined": joined,
        "login_counted": bool(row["login_counted"]),
        # The held claims (a like, a comment) made here already: the page offers them no more.
        "claimed": tuple(
            action for action in (ActionType.LIKE, ActionType.COMMENT) if row[f"{action.lower()}_counted"]
        ),
        "returning": bool(row["returning"]),
        "login_channel": login_channel,
        # Likes and comments are claimed with a TikTok account only (``rewards.services.action_claim``).
        "has_tiktok_account": bool(row["has_tiktok_account"]),
        "is_creator": bool(row["is_creator"]),
        "is_consumer": is_consumer(user, member=bool(row["member"]), acted=bool(row["acted"])),
        "is_member": bool(row["member"]),  # the menu's console link (``accounts.people.is_team_member``)
    }


def _touchpoint_key(request: HttpRequest, merchant: Merchant) -> str | None:
    """The key of the touchpoint the visitor came through (``?t=`` on this brand's page), if any."""
    source = request.session.get(SOURCE_SESSION_KEY)
    if not isinstance(source, dict) or source.get("merchant") != merchant.pk:
        return None
    if not isinstance(source.get("touchpoint"), int):
        return None
    return (
        Touchpoint.objects.filter(merchant=merchant, pk=source.get("touchpoint"))
        .values_list("public_key", flat=True)
        .first()
    )


def _merchant_with_consent(slug: str, user, *, tiktok: bool = False) -> Merchant:
    """The brand (404 when unknown) and, as ``consented``, whether the person shares their data with it
    now (``consent_active_get``), in one query; with ``tiktok``, as ``has_tiktok_account`` whether
    they have a TikTok account (``login_channel_for``) and as ``tiktok_uids`` its uid (a TikTok
    sign-in's identity, which the engine compares with those kept after a deletion)."""
    if connection.vendor == "postgresql":  # every join and claim asks: a fixed statement, no ORM compilation
        with bound_cursor() as cursor:
            cursor.execute(_MERCHANT_WITH_CONSENT_SQL, [user.pk, user.pk, slug])
            row = cursor.fetchone()
        if row is None:
            raise Http404("No such brand.")
        (merchant,) = model_rows(row, Merchant)
        merchant.consented = row[-2]
        if tiktok:
            merchant.tiktok_uids = [row[-1]] if row[-1] is not None else []
            merchant.has_tiktok_account = bool(merchant.tiktok_uids)
        return merchant
    facts = {"consented": Exists(Consent.objects.active().filter(user=user, merchant=OuterRef("pk")))}
    if tiktok:
        facts["tiktok_uid"] = tiktok_uid_expression(user)
    merchant = get_object_or_404(Merchant.objects.annotate(**facts), slug=slug)
    if tiktok:
        merchant.tiktok_uids = [merchant.tiktok_uid] if merchant.tiktok_uid is not None else []
        merchant.has_tiktok_account = bool(merchant.tiktok_uids)
    return merchant


_MERCHANT_WITH_CONSENT_SQL = (
    f"SELECT {model_columns(Merchant, 'm')}, "  # noqa: S608 - names from the models
    f"EXISTS (SELECT 1 FROM {Consent._meta.db_table} c WHERE c.user_id = %s AND c.merchant_id = m.id "
    "AND c.withdrawn_at IS NULL), "
    f"(SELECT s.uid FROM {connection.ops.quote_name(SocialAccount._meta.db_table)} s "
    "WHERE s.user_id = %s AND s.provider = 'tiktok' ORDER BY s.id LIMIT 1) "
    f"FROM {Merchant._meta.db_table} m WHERE m.slug = %s"
)


def _join_complete(request: HttpRequest, merchant: Merchant, *, now: datetime) -> HttpResponse:
    channel = login_channel_for(request.user, has_tiktok_account=merchant.has_tiktok_account)
    if channel is None:
        # Signed in with e-mail and password: joining is recorded nowhere and earns nothing. Say so.
        messages.warning(
            request,
            gettext(
                "Signing in with e-mail earns nothing at %(brand)s: only signing in with TikTok "
                "or WhatsApp does. Connect one of them to your account below to earn."
            )
            % {"brand": merchant.brand_name},
        )
        return redirect("brand:landing", slug=merchant.slug)
    told = brand_join_complete(
        user=request.user,
        merchant=merchant,
        touchpoint_key=_touchpoint_key(request, merchant),
        device_id=device_id_get(request),
        ip_address=client_ip_get(request),
        channel=channel,
        now=now,
        tiktok_uids=merchant.tiktok_uids,
    )
    if told:
        messages.info(request, told)
    return redirect(consumer_home_url())


@login_required
@require_http_methods(["GET", "POST"])
@device_cookie
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """After signing in on a brand page: the consent page the first time, then on to the wallet."""
    merchant = _merchant_with_consent(slug, request.user, tiktok=True)
    now = timezone.now()
    if merchant.consented:
        return _join_complete(request, merchant, now=now)
    items = consent_items_for(user=request.user)
    if not items:  # nothing of this person's could be shared: nothing to agree to
        return _join_complete(request, merchant, now=now)
    shown = [item.key for item in items]
    if request.method == "POST":
        if request.POST.get("decision") == "decline":
            messages.info(
                request,
                gettext("Nothing was shared with %(brand)s. You can join whenever you like.")
                % {"brand": merchant.brand_name},
            )
            return redirect("brand:landing", slug=merchant.slug)
        if request.POST.get("decision") == "agree":
            if sorted(request.POST.getlist("fields")) != sorted(shown):
                messages.warning(request, gettext("What would be shared has changed. Please check it again."))
            else:
                try:
                    merchant_services.consent_give(
                        user=request.user, merchant=merchant, fields=shown, now=now, page=request.path
                    )
                except DomainError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(
                        request, gettext("You joined %(brand)s.") % {"brand": merchant.brand_name}
                    )
                    return _join_complete(request, merchant, now=now)
    return render(
        request,
        "brand/join_consent.html",
        {
            "merchant": merchant,
            "items": items,
            "earns": login_channel_for(request.user, has_tiktok_account=merchant.has_tiktok_account)
            is not None,
            "consent_text_version": CONSENT_TEXT_VERSION,
            # the words consent_give stores (same fields, same order, same language): one source
            "consent_words": consent_text(
                brand_name=merchant.brand_name, field_labels=[item.label for item in items]
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """The "Stop sharing my data with <brand>" link on /me/ and the wallet: GET says what happens and
    asks to confirm; the confirmation (a POST) withdraws the consent: the brand no longer receives the data."""
    if request.method == "GET":
        merchant = get_object_or_404(Merchant, slug=slug)
        consent = consent_active_get(user=request.user, merchant=merchant)
        if consent is None:
            messages.info(
                request,
                gettext("You are not sharing any data with %(brand)s.") % {"brand": merchant.brand_name},
            )
            return redirect(consumer_home_url())
        return render(
            request,
            "wallet/stop_sharing.html",
            {
                "merchant": merchant,
                "consent": consent,
                "next": _safe_next(request, request.GET.get("next", "")),
            },
        )
    try:
        merchant, _consent = merchant_services.consent_withdraw_at_brand(
            user=request.user, slug=slug, now=timezone.now()
        )
    except Merchant.DoesNotExist:
        raise Http404("No such brand.") from None
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("%(brand)s no longer receives your data. You will be asked again if you join it.")
            % {"brand": merchant.brand_name},
        )
    return redirect(_safe_next(request, request.POST.get("next", "")))


def _safe_next(request: HttpRequest, next_url: str) -> str:
    """``next_url`` when it stays on this site, else the consumer's home."""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return consumer_home_url()
    return next_url


CLAIMABLE = {"like": ActionType.LIKE, "comment": ActionType.COMMENT}


@login_required
@require_POST
@device_cookie
def claim(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """A consumer says they liked or commented on the brand's posts (not verifiable per person:
    paid as pending, reversible, only with the brand's consent in place)."""
    action_type = CLAIMABLE.get(action)
    if action_type is None:
        raise Http404(gettext("Nothing to claim here."))
    merchant = _merchant_with_consent(slug, request.user, tiktok=True)
    if not merchant.consented:
        messages.info(
            request,
            gettext("Join %(brand)s first: then your likes and comments can earn.")
            % {"brand": merchant.brand_name},
        )
        return redirect("brand:join", slug=merchant.slug)
    outcome = action_claim(
        user=request.user,
        merchant=merchant,
        action_type=action_type,
        device_id=device_id_get(request),
        ip_address=client_ip_get(request),
        now=timezone.now(),
        has_tiktok_account=merchant.has_tiktok_account,
    )
    messages.add_message(
        request, messages.SUCCESS if outcome.level == "success" else messages.INFO, outcome.message
    )
    return redirect("rewards:wallet")
