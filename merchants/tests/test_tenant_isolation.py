"""Tenant isolation of the merchant console (and the API), walked generically.

A member of merchant Alpha requests every console URL: every model page of every
ModelAdmin registered on ``console_site`` with every object of merchant Bravo
(change, delete, history, custom object URLs such as the poster), every list,
export and autocomplete, and every site-level page. The answer is 403 or 404 for
Bravo's objects, and no page ever shows Bravo's data. A VIEWER changes nothing.

New console pages are covered automatically: register them on ``console_site``.
When you register a new model, give Bravo one of them in ``_populate`` (the
``test_every_console_model_has_an_object_of_the_other_merchant`` test says so).

The world is built once per run of this module (not once per URL): see ``_world``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import models, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from moneyed import Money

from accounts.services import user_ensure_with_email
from merchants import services
from merchants.console_site import ConsoleModelAdmin, console_site
from merchants.consumer_ids import consumer_ref
from merchants.models import Membership, Touchpoint, TouchpointKind
from merchants.roles import Role, role_can
from merchants.wallet import merchant_top_up_record
from payouts import services as payouts
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-42"
BRAVO_MARKERS = ("Bravo Secret", "bravo.example", "BRAVO-REF", "Bravosecret", "Avenue Bravo")


def _user(email: str, **flags):
    return user_ensure_with_email(email=email, password=PASSWORD, **flags)[0]


def _merchant(slug: str, brand: str, domain: str, street: str):
    owner = _user(f"owner@{domain}")
    merchant = services.merchant_create(
        actor=owner,
        brand_name=brand,
        slug=slug,
        country="FR",
        legal_name=f"{brand} SAS",
        billing_address=f"1 {street}, Paris",
        contact_email=f"hello@{domain}",
    )
    return merchant, owner


def _populate(merchant, owner, domain: str, label: str) -> None:
    """One of everything the console shows, for ``merchant``."""
    services.touchpoint_create(
        merchant=merchant,
        actor=owner,
        kind=TouchpointKind.RETAIL_STORE,
        name=f"{label} Store",
        address=f"2 Avenue {label}",
    )
    services.touchpoint_create(
        merchant=merchant,
        actor=owner,
        kind=TouchpointKind.WEBSITE,
        name=f"{label} Web",
        url=f"https://{domain}",
    )
    Membership.objects.create(merchant=merchant, user=_user(f"manager@{domain}"), role=Role.MANAGER)
    services.invitation_create(
        merchant=merchant, actor=owner, email=f"invitee@{domain}", role=Role.VIEWER, now=timezone.now()
    )
    ops = _user("ops@tikjoy.example", is_staff=True, is_superuser=True)
    merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("100.00"), merchant.currency),
        bank_reference=f"{label.upper()}-REF-1",
        value_date=date(2026, 11, 20),
        actor=ops,
        now=timezone.now(),
    )
    from campaigns.tests.isolation import populate_campaigns

    populate_campaigns(merchant=merchant, owner=owner, label=label, domain=domain)
    _populate_rewards(merchant, owner, label)
    from billing.tests.isolation import populate_billing

    populate_billing(merchant=merchant, label=label)
    from promote.tests.isolation import populate_promote

    populate_promote(merchant=merchant, owner=owner)
    from affiliates.tests.isolation import populate_affiliates

    populate_affiliates(merchant=merchant, owner=owner, label=label, domain=domain)
    from chats.tests.isolation import populate_chats

    populate_chats(merchant=merchant, label=label)
    from support.tests.isolation import populate_support

    populate_support(merchant=merchant, owner=owner, label=label)


def _populate_rewards(merchant, owner, label: str) -> None:
    """A live campaign and a consumer's login it paid for, through the engine (rewards pages)."""
    from accounts.models import User
    from campaigns.models import ActionType
    from campaigns.services import campaign_activate, campaign_create
    from rewards.services import action_record

    now = timezone.now()
    campaign = campaign_create(
        merchant=merchant,
        actor=owner,
        values={"name": f"{label} Secret campaign", "starts_at": now - timedelta(days=1), "hashtag": "joy"},
        rules=[{"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("0.50")}],
    )
    campaign_activate(campaign=campaign, actor=owner, now=now)
    fan = User.objects.create_user(email=None, display_name=f"{label} Secret Fan")
    action_record(user=fan, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    """The two-merchant world, built once for the whole walk, in a transaction rolled back at the end.

    Each test runs in a savepoint inside it (pytest-django's ``db``), so what a test changes is
    undone and the next test sees the same world.
    """
    outer = transaction.atomic()
    outer._from_testcase = True  # as Django's TestCase does: services' durable blocks may run inside
    with django_db_blocker.unblock(), outer:
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_world, db):
    return _world


def _build_world():
    alpha, alpha_owner = _merchant("alpha", "Alpha Foods", "alpha.example", "Rue Alpha")
    _populate(alpha, alpha_owner, "alpha.example", "Alpha")
    viewer = _user("viewer@alpha.example")
    Membership.objects.create(merchant=alpha, user=viewer, role=Role.VIEWER)
    bravo, bravo_owner = _merchant("bravosecret", "Bravo Secret Brand", "bravo.example", "Rue Bravo")
    _populate(bravo, bravo_owner, "bravo.example", "Bravo")
    # An agency works for both: with Alpha selected it must see only Alpha.
    agency = _user("team@agency.example")
    Membership.objects.create(merchant=alpha, user=agency, role=Role.OWNER)
    Membership.objects.create(merchant=bravo, user=agency, role=Role.OWNER)
    return {
        "alpha": alpha,
        "alpha_owner": alpha_owner,
        "viewer": viewer,
        "bravo": bravo,
        "bravo_owner": bravo_owner,
        "agency": agency,
    }


def _objects_of(model_admin: ConsoleModelAdmin, merchant) -> list[models.Model]:
    return list(model_admin.model._default_manager.filter(**{model_admin.merchant_path: merchant.pk}))


def _assert_no_bravo_data(response, where: str) -> None:
    body = response_text(response)
    for marker in BRAVO_MARKERS:
        assert marker.lower() not in body.lower(), f"{where} shows Bravo's data ({marker!r})"


# --- the routes, discovered at collection time ---------------------------------------------------


def _admin_routes() -> list[tuple[str, str, bool]]:
    """(model label, URL name, takes an object id) for every URL of every console ModelAdmin."""
    routes = []
    for model, model_admin in console_site._registry.items():
        for pattern in model_admin.get_urls():
            if isinstance(pattern, URLPattern) and pattern.name:
                takes_id = "object_id" in str(pattern.pattern)
                routes.append((model._meta.label_lower, pattern.name, takes_id))
    return routes


def _site_routes() -> list[str]:
    """Names of the console's own pages (dashboard, wallet, switcher, app lists...), without model pages."""
    return [
        pattern.name
        for pattern in console_site.get_urls()
        if isinstance(pattern, URLPattern)
        and pattern.name
        and (not pattern.pattern.converters or pattern.name == "app_list")
        and pattern.name != "view_on_site"
    ]


def _site_urls(name: str) -> list[str]:
    if name == "app_list":
        labels = sorted({model._meta.app_label for model in console_site._registry})
        return [reverse("console:app_list", kwargs={"app_label": label}) for label in labels]
    return [reverse(f"console:{name}")]


def _api_routes() -> list[str]:
    """Every API route of the project (``/api/...`` except the schema), walked from the root URLconf."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith("api/") and not route.startswith("api/schema"):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


ADMIN_ROUTES = _admin_routes()
OBJECT_ROUTES = [r for r in ADMIN_ROUTES if r[2]]
LIST_ROUTES = [r for r in ADMIN_ROUTES if not r[2]]
SITE_ROUTES = _site_routes()


def _admin_for(label: str) -> ConsoleModelAdmin:
    return next(a for m, a in console_site._registry.items() if m._meta.label_lower == label)


def test_the_walk_finds_the_console(world):
    names = {name for _label, name, _ in ADMIN_ROUTES}
    assert {
        "merchants_touchpoint_change",
        "merchants_touchpoint_poster",
        "merchants_membership_delete",
        "merchants_banktransfer_receipt",
        "campaigns_campaign_report",
        "campaigns_campaign_report_csv",
        "rewards_reward_consumers_export",
    } <= names
    assert {
        "index",
        "wallet",
        "wallet_export",
        "add_funds",
        "switch",
        "autocomplete",
        "checklist_dismiss",
        "brand_poster",
        "brand_qr",
        "close",
        "refund_bank",
        "diagnostics",
    } <= set(SITE_ROUTES)


def test_every_console_model_has_an_object_of_the_other_merchant(world):
    for model, model_admin in console_site._registry.items():
        assert isinstance(model_admin, ConsoleModelAdmin), (
            f"{model} is not registered with a ConsoleModelAdmin"
        )
        assert _objects_of(model_admin, world["bravo"]), (
            f"Give Bravo a {model._meta.verbose_name} in _populate so isolation covers it"
        )


@pytest.mark.parametrize(("label", "name", "_takes_id"), OBJECT_ROUTES, ids=[r[1] for r in OBJECT_ROUTES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_merchants_object_is_403_or_404_on_every_object_url(
    client, world, label, name, _takes_id, method
):
    model_admin = _admin_for(label)
    bravo_objects = _objects_of(model_admin, world["bravo"])
    client.force_login(world["alpha_owner"])
    before = sorted(
        model_admin.model._default_manager.filter(pk__in=[o.pk for o in bravo_objects]).values_list()
    )

    for obj in bravo_objects:
        url = reverse(f"console:{name}", kwargs={"object_id": obj.pk})
        response = getattr(client, method)(url, {"post": "yes", "role": "OWNER", "name": "hijacked"})
        assert response.status_code in (403, 404), f"{method.upper()} {url} answered {response.status_code}"
        _assert_no_bravo_data(response, url)

    after = sorted(
        model_admin.model._default_manager.filter(pk__in=[o.pk for o in bravo_objects]).values_list()
    )
    assert after == before


@pytest.mark.parametrize(("label", "name", "_takes_id"), LIST_ROUTES, ids=[r[1] for r in LIST_ROUTES])
def test_lists_exports_and_add_pages_show_only_the_selected_merchant(client, world, label, name, _takes_id):
    client.force_login(world["agency"])  # a member of both: Alpha selected
    client.post(reverse("console:switch"), {"merchant": world["alpha"].pk})
    url = reverse(f"console:{name}")

    for query in ("", "?q=bravo", "?q=Bravo%20Store", "?o=1", "?all="):
        response = client.get(url + query)
        assert response.status_code in (200, 302, 403), f"{url}{query} answered {response.status_code}"
        _assert_no_bravo_data(response, url + query)


@pytest.mark.parametrize("label", sorted({r[0] for r in ADMIN_ROUTES}))
@pytest.mark.parametrize("action", ["export_csv", "delete_selected", "withdraw"])
def test_actions_on_another_merchants_objects_touch_nothing(client, world, label, action):
    model_admin = _admin_for(label)
    bravo_objects = _objects_of(model_admin, world["bravo"])
    client.force_login(world["alpha_owner"])
    before = sorted(
        model_admin.model._default_manager.filter(pk__in=[o.pk for o in bravo_objects]).values_list()
    )
    url = reverse(f"console:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")

    response = client.post(
        url, {"action": action, "_selected_action": [o.pk for o in bravo_objects], "post": "yes", "index": 0}
    )

    assert response.status_code in (200, 302, 403)
    _assert_no_bravo_data(response, f"{action} on {label}")
    after = sorted(
        model_admin.model._default_manager.filter(pk__in=[o.pk for o in bravo_objects]).values_list()
    )
    assert after == before


@pytest.mark.parametrize("name", SITE_ROUTES)
def test_console_pages_show_only_the_selected_merchant(client, world, name):
    client.force_login(world["alpha_owner"])

    for url in _site_urls(name):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403, 404, 405)
        _assert_no_bravo_data(response, url)


def test_the_view_on_site_shortcut_reveals_no_other_merchants_object(client, world):
    from django.contrib.contenttypes.models import ContentType

    client.force_login(world["alpha_owner"])
    for model_admin in console_site._registry.values():
        content_type = ContentType.objects.get_for_model(model_admin.model)
        for obj in _objects_of(model_admin, world["bravo"]):
            url = reverse("console:view_on_site", args=[content_type.pk, obj.pk])
            response = client.get(url)
            assert response.status_code in (403, 404), url


def test_autocomplete_never_returns_another_merchants_objects(client, world):
    client.force_login(world["alpha_owner"])
    asked = 0
    for model in console_site._registry:
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model in console_site._registry):
                continue
            for term in ("", "bravo", "Bravo"):
                response = client.get(
                    reverse("console:autocomplete"),
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field.name,
                        "term": term,
                    },
                )
                asked += 1
                assert response.status_code in (200, 403, 404)
                _assert_no_bravo_data(response, f"autocomplete {model._meta.label}.{field.name}")
                if response.status_code == 200:
                    bravo_ids = {
                        str(o.pk)
                        for o in _objects_of(console_site._registry[field.related_model], world["bravo"])
                    }
                    assert not bravo_ids & {row["id"] for row in response.json()["results"]}
    assert asked  # the walk reached at least one relation


def test_form_choices_offer_only_the_selected_merchants_objects(world, rf):
    request = rf.get("/console/")
    request.user = world["alpha_owner"]
    request.session = {}
    for model, model_admin in console_site._registry.items():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.many_to_one):
                continue
            formfield = model_admin.formfield_for_foreignkey(field, request)
            if formfield is None:
                continue
            for choice in formfield.queryset:
                assert "bravo" not in str(choice).lower(), f"{model._meta.label}.{field.name} offers {choice}"


@pytest.mark.parametrize("route", _api_routes() or ["<no API routes yet>"])
def test_api_routes_never_show_another_merchants_data(client, world, route):
    client.force_login(world["alpha_owner"])
    if route.startswith("<"):
        assert not _api_routes()
        return
    bravo_ids = {o.pk for a in console_site._registry.values() for o in _objects_of(a, world["bravo"])}
    resolver_route = route
    for pk in sorted(bravo_ids) or [0]:
        path = "/" + resolver_route
        for token in ("<int:pk>", "<pk>", "<int:id>", "<str:pk>", "<slug:slug>"):
            path = path.replace(token, str(pk))
        if "<" in path or "(" in path:
            continue
        response = client.get(path)
        # 401: /api/v1/ takes API keys, not the console's session (api/tests/test_isolation.py walks it with keys)
        assert response.status_code in (200, 401, 403, 404, 405)
        _assert_no_bravo_data(response, path)


def test_diagnostics_never_reach_another_merchants_consumer_or_campaign(client, world):
    """Diagnostics: Bravo's consumer (its MerchantConsumer reference) and campaign are 404 for Alpha,
    and searching for what Bravo's consumer shared with Bravo finds nobody at Alpha."""
    from merchants.services import consent_give
    from rewards.models import MerchantConsumer

    client.force_login(world["agency"])  # a member of both, with Alpha selected
    bravo_fan = MerchantConsumer.objects.filter(merchant=world["bravo"]).first()
    bravo_fan.user.email = "diagnosed-fan@bravo.example"
    bravo_fan.user.save(update_fields=["email"])
    consent_give(
        user=bravo_fan.user, merchant=world["bravo"], fields=["EMAIL", "DISPLAY_NAME"], now=timezone.now()
    )
    campaign = world["bravo"].campaigns.first()

    consumer = client.get(reverse("console:diagnostics_consumer", kwargs={"ref": bravo_fan.pk}))
    campaign_page = client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk}))
    search = client.get(reverse("console:diagnostics"), {"q": "diagnosed-fan@bravo.example"})

    assert (consumer.status_code, campaign_page.status_code) == (404, 404)
    assert search.status_code == 200
    assert 'data-result="none"' in response_text(search)
    assert "Bravo Secret Fan" not in response_text(search)  # (the search box shows what was typed)
    for response in (consumer, campaign_page):
        _assert_no_bravo_data(response, response.request["PATH_INFO"])


# --- VIEWER changes nothing -----------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted({r[0] for r in ADMIN_ROUTES}))
def test_a_viewer_can_see_but_not_add_change_or_delete(client, world, label):
    model_admin = _admin_for(label)
    alpha_objects = _objects_of(model_admin, world["alpha"])
    assert alpha_objects
    client.force_login(world["viewer"])
    opts = model_admin.opts
    before = sorted(model_admin.model._default_manager.values_list())
    changelist = reverse(f"console:{opts.app_label}_{opts.model_name}_changelist")
    if not role_can(Role.VIEWER, model_admin.view_capability):  # e.g. billing: not for viewers
        assert client.get(changelist).status_code == 403
        for obj in alpha_objects:
            change_url = reverse(f"console:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(change_url).status_code in (403, 404)
        assert sorted(model_admin.model._default_manager.values_list()) == before
        return

    assert client.get(changelist).status_code == 200
    add = client.post(
        reverse(f"console:{opts.app_label}_{opts.model_name}_add"), {"name": "x", "email": "x@y.z"}
    )
    assert add.status_code == 403
    for obj in alpha_objects:
        change_url = reverse(f"console:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        page = client.get(change_url)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert (
            client.post(change_url, {"role": "OWNER", "name": "changed", "brand_name": "x"}).status_code
            == 403
        )
        delete_url = reverse(f"console:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
    for action in ("delete_selected", "withdraw"):
        client.post(
            reverse(f"console:{opts.app_label}_{opts.model_name}_changelist"),
            {"action": action, "_selected_action": [o.pk for o in alpha_objects], "post": "yes"},
        )

    assert sorted(model_admin.model._default_manager.values_list()) == before


def test_a_viewer_cannot_reach_owner_pages(client, world):
    client.force_login(world["viewer"])

    assert client.get(reverse("console:add_funds")).status_code == 403
    assert client.get(reverse("console:wallet")).status_code == 200


def test_the_closing_pages_are_for_owners_and_never_show_another_merchants_bank_details(client, world):
    # The agency owns both merchants: it enters Bravo's refund account, then works on Alpha.
    details = payouts.bank_details_clean(
        holder_name="Bravo Secret Brand SAS",
        street="Avenue Bravo",
        building_number="1",
        postcode="75001",
        town="Paris",
        country="FR",
        iban="FR1420041010050500013M02606",
    )
    challenge = payouts.merchant_bank_details_challenge_start(
        merchant=world["bravo"], user=world["agency"], details=details, now=timezone.now()
    )
    payouts.bank_account_replace(
        user=world["bravo_owner"], details=details, now=timezone.now(), owner=world["bravo"]
    )
    client.force_login(world["agency"])
    client.post(reverse("console:switch"), {"merchant": world["alpha"].pk})
    for url in (
        reverse("console:close"),
        reverse("console:refund_bank"),
        reverse("console:refund_bank_confirm", args=[challenge.pk]),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        _assert_no_bravo_data(response, url)
        assert "M02606" not in response_text(response)
    # Typing the code on Alpha's page confirms nothing of Bravo's.
    client.post(
        reverse("console:refund_bank_confirm", args=[challenge.pk]),
        {"code": "123456", "console_merchant": world["alpha"].pk},
    )
    challenge.refresh_from_db()
    assert challenge.attempts == 0 and challenge.used_at is None
    # Viewers don't reach them.
    client.force_login(world["viewer"])
    for url in (reverse("console:close"), reverse("console:refund_bank")):
        assert client.get(url).status_code == 403


def test_staff_without_a_membership_do_not_enter_the_console(client, world):
    client.force_login(_user("ops@tikjoy.example", is_staff=True, is_superuser=True))

    response = client.get(reverse("console:merchants_touchpoint_changelist"))

    assert response.status_code == 302
    assert Touchpoint.objects.filter(merchant=world["bravo"]).exists()


def _bravo_site_objects(bravo) -> dict[str, int]:
    """For the console's own pages that take an id: the id of one of Bravo's objects."""
    from promote.models import CoinPurchase, PromoteOrder
    from wallets.models import Transaction

    order = PromoteOrder.objects.filter(wallet__merchant=bravo).order_by("pk").first()
    purchase = CoinPurchase.objects.filter(wallet__merchant=bravo).order_by("pk").first()
    purchase_txn = Transaction.objects.get(
        kind="PROMOTE_COIN_PURCHASE", subject_type="promote.coinpurchase", subject_id=str(purchase.pk)
    )
    return {
        "promote_order": order.pk,
        "promote_order_csv": order.pk,
        "billing_coin_purchase_invoice": purchase_txn.pk,
    }


ID_SITE_ROUTES = ["promote_order", "promote_order_csv", "billing_coin_purchase_invoice"]


@pytest.mark.parametrize("name", ID_SITE_ROUTES)
def test_console_pages_with_an_id_refuse_another_merchants_object(client, world, name):
    client.force_login(world["alpha_owner"])
    bravo_id = _bravo_site_objects(world["bravo"])[name]

    response = client.get(reverse(f"console:{name}", args=[bravo_id]))

    assert response.status_code in (403, 404)
    _assert_no_bravo_data(response, name)


def test_another_merchants_conversation_is_a_404_and_nothing_is_sent(client, world):
    from chats.models import ChatMessage, Thread

    bravo_thread = Thread.objects.get(merchant=world["bravo"])
    before = ChatMessage.objects.count()
    client.force_login(world["alpha_owner"])
    url = reverse("console:chats_thread", kwargs={"thread_id": bravo_thread.pk})

    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "Hello Bravo's customer"}).status_code == 404
    response = client.post(reverse("console:chats_start"), {"person": bravo_thread.user_id}, follow=True)
    _assert_no_bravo_data(response, "chats start")
    assert "does not share a WhatsApp number with you" in response_text(response)
    assert not Thread.objects.filter(merchant=world["alpha"], user_id=bravo_thread.user_id).exists()
    assert ChatMessage.objects.count() == before
    inbox = response_text(client.get(reverse("console:chats_inbox")))
    assert "Alpha Secret Chatter" in inbox


def test_a_viewer_cannot_read_or_write_conversations(client, world):
    from chats.models import Thread

    client.force_login(world["viewer"])
    alpha_thread = Thread.objects.get(merchant=world["alpha"])

    assert client.get(reverse("console:chats_inbox")).status_code == 403
    assert (
        client.get(reverse("console:chats_thread", kwargs={"thread_id": alpha_thread.pk})).status_code == 403
    )


def test_support_requests_are_the_persons_own_and_name_only_their_own_brands(client, world):
    """/support/: Alpha's owner never opens Bravo's request, and can't attach Bravo to one of theirs."""
    from support.models import SupportRequest

    bravo_request = SupportRequest.objects.get(merchant=world["bravo"])
    client.force_login(world["alpha_owner"])
    for url in (reverse("support:request", args=[bravo_request.pk]), reverse("support:requests")):
        response = client.get(url)
        assert response.status_code in (200, 404)
        _assert_no_bravo_data(response, url)
    assert client.get(reverse("support:request", args=[bravo_request.pk])).status_code == 404
    form = client.get(reverse("support:request_new") + "?from=/console/")
    _assert_no_bravo_data(form, "support form")
    before = SupportRequest.objects.count()
    response = client.post(
        reverse("support:request_new"),
        {
            "topic": "MERCHANT",
            "subject": "Hi",
            "message": "About Bravo",
            "merchant": str(world["bravo"].pk),
            "submission_key": "isolation-walk",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response_text(response)
    assert SupportRequest.objects.count() == before


def test_the_coupon_forms_consumer_search_never_finds_another_merchants_consumer(client, world):
    """/console/promote/coupons/ searches the consumers to give a coupon to (its page and its JSON):
    only the selected merchant's, with an active consent; Bravo's consumer can't be picked."""
    from accounts.models import User
    from promote.models import Coupon

    bravo_fan = User.objects.get(display_name="Bravo Secret Coupon Holder")
    alpha_fan = User.objects.get(display_name="Alpha Secret Coupon Holder")
    client.force_login(world["alpha_owner"])
    search, page = reverse("console:promote_coupon_consumers"), reverse("console:promote_coupons")
    for term in ("", "Bravo", "Secret Coupon", "Coupon Holder", "Holder"):  # (not a marker: echoed)
        for url in (search, page):
            response = client.get(url, {"q": term})
            assert response.status_code == 200
            _assert_no_bravo_data(response, f"{url}?q={term}")
    # Each person by the id Alpha knows them by (con_...), never their user id.
    assert [row["id"] for row in client.get(search, {"q": "Secret Coupon"}).json()["results"]] == [
        consumer_ref(merchant_id=world["alpha"].pk, user_id=alpha_fan.pk)
    ]
    coupons = Coupon.objects.count()
    # Bravo's consumer, by their user id, by the id Bravo knows them by, by the id Alpha would.
    for bravos in (
        bravo_fan.pk,
        consumer_ref(merchant_id=world["bravo"].pk, user_id=bravo_fan.pk),
        consumer_ref(merchant_id=world["alpha"].pk, user_id=bravo_fan.pk),
    ):
        response = client.post(
            page,
            {
                "action": "issue",
                "consumer": bravos,
                "coins": "10",
                "valid_from": "2026-11-01 00:00",
                "valid_until": "2030-12-31 00:00",
                "code": "ALPHA-TO-BRAVO",
            },
        )
        assert response.status_code == 400 and Coupon.objects.count() == coupons
        _assert_no_bravo_data(response, "the coupon form, posted with Bravo's consumer")

    services.consent_withdraw(user=alpha_fan, merchant=world["alpha"], now=timezone.now())
    assert client.get(search, {"q": "Secret Coupon"}).json()["results"] == []
