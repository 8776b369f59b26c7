"""A merchant sees of a person only what the person agreed to share with it, on every console page.

The walk is generic: every list, change page, CSV export (whole list and the
"export selected" action) of every model registered on the console site, and every
console page of its own (dashboard, wallet, consumers...). A consumer who did
something for the merchant (a reward, a UGC video) without consent appears under a
neutral label; with consent to share their name, the name appears but nothing else.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.models import User
from campaigns.models import UgcStatus, UgcSubmission
from merchants.console_site import console_site
from merchants.models import ConsentField
from merchants.selectors import people_seen_by_merchant, person_seen_by_merchant
from merchants.services import consent_give, consent_withdraw
from merchants.tests.test_tenant_isolation import _merchant, _populate
from rewards.models import Reward
from social.models import TikTokProfile
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE, HANDLE = (
    "Zed Private-Person",
    "zed.private@consumer.example",
    "+491709998877",
    "zedsecret",
)


@pytest.fixture
def world():
    alpha, owner = _merchant("alpha", "Alpha Foods", "alpha.example", "Rue Alpha")
    _populate(alpha, owner, "alpha.example", "Alpha")
    zed = User.objects.create_user(email=EMAIL, display_name=NAME, phone=PHONE, phone_verified=True)
    TikTokProfile.objects.create(user=zed, open_id="zed-open-id", username=HANDLE, display_name=NAME)
    # Zed did something for Alpha: a reward (moved onto Zed) and a UGC video.
    reward = Reward.objects.filter(merchant=alpha).first()
    Reward.objects.filter(pk=reward.pk).update(user=zed)
    reward.action.__class__.objects.filter(pk=reward.action_id).update(user=zed)
    campaign = alpha.campaigns.first()
    UgcSubmission.objects.create(
        campaign=campaign,
        user=zed,
        file="campaigns/ugc/zed.mp4",
        caption="Zed's video",
        status=UgcStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    return {"alpha": alpha, "owner": owner, "zed": zed}


def _console_pages(world) -> list[str]:
    """Every console URL without an object id, plus every change page of every Alpha object."""
    urls = []
    for pattern in console_site.get_urls():
        if (
            isinstance(pattern, URLPattern)
            and pattern.name
            and not pattern.pattern.converters
            and "(?P" not in str(pattern.pattern)
            and pattern.name not in ("logout", "login", "password_change", "password_change_done")
        ):
            urls.append(reverse(f"console:{pattern.name}"))
    for model, model_admin in console_site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            if "object_id" in str(pattern.pattern):
                if pattern.name.endswith(("_change", "_history")):
                    for obj in model._default_manager.filter(
                        **{model_admin.merchant_path: world["alpha"].pk}
                    ):
                        urls.append(reverse(f"console:{pattern.name}", kwargs={"object_id": obj.pk}))
            elif not pattern.name.endswith("_add"):
                urls.append(reverse(f"console:{pattern.name}"))
        urls.append(reverse(f"console:{info[0]}_{info[1]}_changelist") + "?all=")
    return urls


def _export_selected(client, world) -> list[str]:
    bodies = []
    for model, model_admin in console_site._registry.items():
        ids = list(
            model._default_manager.filter(**{model_admin.merchant_path: world["alpha"].pk}).values_list(
                "pk", flat=True
            )
        )
        url = reverse(f"console:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.post(url, {"action": "export_csv", "_selected_action": ids, "index": 0})
        bodies.append(response_text(response))
    return bodies


def _everything_the_merchant_sees(client, world) -> str:
    client.force_login(world["owner"])
    pages = []
    for url in _console_pages(world):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403, 404), f"{url} answered {response.status_code}"
        pages.append(response_text(response))
    return "\n".join(pages + _export_selected(client, world))


def test_without_consent_no_console_page_or_export_shows_anything_of_the_person(client, world):
    seen = _everything_the_merchant_sees(client, world)

    for secret in (NAME, EMAIL, PHONE, HANDLE, "fan@alpha.example", "Alpha Secret Fan"):
        assert secret.lower() not in seen.lower(), f"the console shows {secret!r} without consent"
    label = person_seen_by_merchant(user=world["zed"], merchant=world["alpha"]).label
    assert label in seen  # the neutral label stands in for them


def test_with_consent_to_share_the_name_the_name_appears_and_nothing_else(client, world):
    consent_give(
        user=world["zed"], merchant=world["alpha"], fields=[ConsentField.DISPLAY_NAME], now=timezone.now()
    )

    seen = _everything_the_merchant_sees(client, world)

    assert NAME in seen
    for secret in (EMAIL, PHONE, HANDLE):
        assert secret not in seen, f"the console shows {secret!r}, which Zed did not agree to share"


def test_once_consent_is_withdrawn_the_name_disappears_again(client, world):
    consent_give(
        user=world["zed"], merchant=world["alpha"], fields=[ConsentField.DISPLAY_NAME], now=timezone.now()
    )
    consent_withdraw(user=world["zed"], merchant=world["alpha"], now=timezone.now())

    seen = _everything_the_merchant_sees(client, world)

    assert NAME not in seen


def test_the_one_function_decides_label_and_fields(world):
    zed, alpha = world["zed"], world["alpha"]

    nothing = person_seen_by_merchant(user=zed, merchant=alpha)
    consent_give(
        user=zed, merchant=alpha, fields=[ConsentField.TIKTOK_HANDLE, ConsentField.EMAIL], now=timezone.now()
    )
    handle_and_mail = person_seen_by_merchant(user=zed, merchant=alpha)

    assert nothing.shared == {} and nothing.label.startswith("Consumer ")
    assert NAME not in nothing.label and EMAIL not in nothing.label
    assert handle_and_mail.label == f"@{HANDLE}"
    assert handle_and_mail.shared == {ConsentField.TIKTOK_HANDLE: f"@{HANDLE}", ConsentField.EMAIL: EMAIL}
    # Labels are per merchant: the same person can't be matched across two brands by label.
    batch = people_seen_by_merchant(merchant=alpha, user_ids=[zed.pk])
    assert batch[zed.pk] == handle_and_mail
