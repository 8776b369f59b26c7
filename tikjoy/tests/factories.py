"""The one way tests make people, merchants and campaigns (factory_boy over the real services).

Every factory goes through the services a person would use (sign-up, merchant creation,
campaign creation and activation, a bank top-up recorded by ops), so what tests build is
what the product builds. The root ``conftest.py`` exposes them as fixtures
(``make_user``, ``make_consumer``, ``make_merchant``, ``add_member``, ``ops``); an app's
conftest may specialise a default (rewards' merchants come funded) by requesting the
root fixture of the same name.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from moneyed import Money

from accounts.models import User
from accounts.services import user_ensure_with_email
from affiliates import services as affiliate_services
from campaigns import services as campaign_services
from merchants import services as merchant_services
from merchants.models import ConsentField, Membership, Merchant
from merchants.roles import Role
from merchants.wallet import merchant_top_up_confirm, merchant_top_up_record

PASSWORD = "a-long-pass-phrase-42"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class UserFactory(factory.Factory):
    """A person who signs up with e-mail and password (merchants' team, staff)."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    is_staff = False
    is_superuser = False

    @classmethod
    def _create(cls, model_class, *, email, **flags):
        return user_ensure_with_email(email=email, password=PASSWORD, **flags)[0]


class ConsumerFactory(factory.Factory):
    """A consumer as TikTok or WhatsApp sign-in makes them: no e-mail, no password."""

    class Meta:
        model = User

    display_name = factory.Sequence(lambda n: f"Consumer {n}")
    date_joined = NOW - timedelta(days=30)

    @classmethod
    def _create(cls, model_class, **fields):
        return User.objects.create_user(email=None, **fields)


class MerchantFactory(factory.Factory):
    """``MerchantFactory(slug="acme")``: a merchant created by its owner (owner@acme.example)."""

    class Meta:
        model = Merchant

    slug = factory.Sequence(lambda n: f"brand{n}")
    brand_name = factory.LazyAttribute(lambda o: o.slug.title())
    country = "DE"
    legal_name = factory.LazyAttribute(lambda o: f"{o.slug.title()} GmbH")
    billing_address = "Hauptstrasse 1, 10115 Berlin"
    contact_email = factory.LazyAttribute(lambda o: f"hello@{o.slug}.example")
    # Not the country's (German, Berlin): tests read pages and times in English and UTC unless they
    # ask for a language (merchant_create's default from the country: merchants/tests).
    language = "en"
    time_zone = "UTC"

    @classmethod
    def _create(cls, model_class, *, owner=None, funds=None, ops=None, **fields):
        owner = owner or UserFactory(email=f"owner@{fields['slug']}.example")
        merchant = merchant_services.merchant_create(actor=owner, **fields)
        if funds:
            record, _ = merchant_top_up_record(
                merchant=merchant,
                amount=Money(Decimal(str(funds)), merchant.currency),
                bank_reference=f"BANK-{merchant.slug}-{merchant.pk}",
                value_date=date(2026, 11, 20),
                actor=ops or UserFactory(email="ops@tikjoy.example", is_staff=True),
                now=NOW,
            )
            if record.ledger_transaction_id is None:  # a large top-up: a second staff member confirms it
                second = UserFactory(email="ops-second@tikjoy.example", is_staff=True)
                merchant_top_up_confirm(record_id=record.pk, actor=second, now=NOW)
        return merchant


def member_add(merchant: Merchant, email: str, role: str = Role.MANAGER) -> User:
    user = UserFactory(email=email)
    Membership.objects.create(merchant=merchant, user=user, role=role)
    return user


def owner_of(merchant: Merchant) -> User:
    return merchant.memberships.get(role=Role.OWNER).user


def share_rule(**fields) -> dict:
    values = {
        "action": "SHARE_VIDEO",
        "is_enabled": True,
        "amount": Decimal("1.00"),
        "per_1000_views": Decimal("0.25"),
        "per_like": Decimal("0.01"),
        "per_comment": Decimal("0.02"),
        "per_share": Decimal("0.05"),
        "max_per_post": Decimal("10.00"),
    }
    values.update(fields)
    return values


def login_rule(**fields) -> dict:
    values = {"action": "TIKTOK_LOGIN", "is_enabled": True, "amount": Decimal("0.50")}
    values.update(fields)
    return values


def sign_in_brands(make_merchant, make_campaign, *, ops, since: datetime) -> tuple[Merchant, Merchant]:
    """Alpha and Beta, each funded 100.00 and paying 5.00 for a sign-in by TikTok and by WhatsApp,
    live since ``since`` (the sign-in digests' tests: privacy's deletion, tikjoy's disconnects)."""
    alpha, beta = (make_merchant(slug, funds="100.00", ops=ops) for slug in ("alpha", "beta"))
    for merchant in (alpha, beta):
        make_campaign(
            merchant,
            rules=[
                login_rule(amount=Decimal("5.00")),
                login_rule(action="WHATSAPP_LOGIN", amount=Decimal("5.00")),
            ],
            now=since,
        )
    return alpha, beta


def campaign_make(merchant: Merchant, *, rules=None, activate: bool = True, actor=None, now=NOW, **overrides):
    """A campaign made by the merchant's owner through the console's services, live from ``now``.

    Defaults: "Spring JoyBack", started a day before ``now``, ending 60 days after, hashtag
    #spring, a 14-day hold, a 0.50 TikTok login and a 1.00 share with engagement rates.
    """
    actor = actor or owner_of(merchant)
    values = {
        "name": "Spring JoyBack",
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=60),
        "hashtag": "spring",
        "mention": "",
        "hold_days": 14,
    }
    values.update(overrides)
    campaign = campaign_services.campaign_create(
        merchant=merchant,
        actor=actor,
        values=values,
        rules=[login_rule(), share_rule()] if rules is None else rules,
    )
    if activate:
        campaign = campaign_services.campaign_activate(campaign=campaign, actor=actor, now=now)
    return campaign


def response_text(response) -> str:
    """A response's body as text, whether streamed (CSV exports) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def sheet_rows(response, delimiter: str) -> list[list[str]]:
    """A spreadsheet download's rows as a spreadsheet reads them: the file must start with the UTF-8
    byte-order mark (``core.spreadsheets``) and separate its cells with ``delimiter`` (";" in a
    German, French, Italian or Spanish reader's file, "," in an English one)."""
    text = response_text(response)
    assert text.startswith("\ufeff"), text[:40]
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def sheet_dicts(response, delimiter: str) -> list[dict[str, str]]:
    """``sheet_rows`` as one dict a row, keyed by the header's cells."""
    header, *rows = sheet_rows(response, delimiter)
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- affiliates ---------------------------------------------------------------------------


def affiliate_program_make(merchant: Merchant | None = None, *, domains=("shop.example",), now=NOW, **fields):
    """A merchant's affiliate program (or TikJoy's own with ``merchant=None``), through the service."""
    name = fields.pop("name", f"{merchant.brand_name} partners" if merchant else "TikJoy partners")
    return affiliate_services.program_create(
        merchant=merchant, name=name, domains=list(domains), now=now, **fields
    )


def affiliate_make(program, *, email: str | None = None, approved: bool = True, now=NOW, **fields):
    """A person who applied to ``program`` (approved by its owner unless ``approved=False``)."""
    user = UserFactory(**({"email": email} if email else {}))
    affiliate = affiliate_services.affiliate_apply(
        program=program,
        user=user,
        website=fields.pop("website", "https://creator.example/"),
        promotion_plan=fields.pop("promotion_plan", "Reviews on my channel"),
        now=now,
        **fields,
    )
    if approved:
        decider = (
            owner_of(program.merchant)
            if program.merchant
            else UserFactory(email="affiliate-desk@tikjoy.example", is_staff=True)
        )
        affiliate = affiliate_services.affiliate_decide(
            affiliate_id=affiliate.pk, status="APPROVED", reason="", actor=decider, now=now
        )
    return affiliate


def affiliate_click_make(affiliate, *, at=NOW, visitor: str = "visitor-1", bot: bool = False, link=None):
    """A recorded click of one of the affiliate's links (a new link unless ``link`` is given)."""
    if link is None:  # a new link each time: one page and sub-id make one link, so another page
        page = f"https://{affiliate.program.domains[0]}/"
        made = affiliate.links.count()
        link = affiliate_services.link_create(
            affiliate=affiliate, destination=f"{page}?link={made + 1}" if made else page, now=at
        )
    return affiliate_services.click_record(
        link_id=link.pk,
        click_id=affiliate_services.new_click_id(),
        visitor=visitor,
        user_agent="Mozilla/5.0",
        bot=bot,
        at=at,
    )


def chat_consumer_make(merchant: Merchant, *, name: str, phone: str, at=NOW) -> User:
    """A consumer with a verified WhatsApp number who shares their name and number with ``merchant``."""
    user = ConsumerFactory(display_name=name)
    user.phone, user.phone_verified = phone, True
    user.save(update_fields=["phone", "phone_verified"])
    merchant_services.consent_give(
        user=user, merchant=merchant, fields=[ConsentField.DISPLAY_NAME, ConsentField.PHONE], now=at
    )
    return user


def chat_reply_payload(*, phone: str, wamid: str, text: str, at=NOW, context_id: str = "") -> dict:
    """What Meta POSTs to the WhatsApp webhook when a consumer writes to TikJoy's number."""
    message = {"from": phone.lstrip("+"), "id": wamid, "timestamp": str(int(at.timestamp())), "type": "text"}
    message["text"] = {"body": text}
    if context_id:
        message["context"] = {"from": "15550000000", "id": context_id}
    return _whatsapp_envelope(
        {"contacts": [{"profile": {"name": "X"}, "wa_id": phone.lstrip("+")}], "messages": [message]}
    )


def chat_status_payload(*, phone: str, wamid: str, status: str, at=NOW, callback_data: str = "") -> dict:
    """What Meta POSTs when a message is sent, delivered, read or failed (with the sender's
    ``biz_opaque_callback_data`` echoed when it gave one)."""
    item = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(at.timestamp())),
        "recipient_id": phone.lstrip("+"),
    }
    if callback_data:
        item["biz_opaque_callback_data"] = callback_data
    if status == "failed":
        item["errors"] = [
            {"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}
        ]
    return _whatsapp_envelope({"statuses": [item]})


def _whatsapp_envelope(value: dict) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": "1055"},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"value": value, "field": "messages"}]}],
    }
