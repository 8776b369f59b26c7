import html
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from merchants import services
from merchants.models import Invitation, Membership
from merchants.roles import Role
from merchants.tests.conftest import owner_of

pytestmark = pytest.mark.django_db


def _invitation_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/merchants/invitations/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def _invite(client, merchant, email="max@agency.example", role=Role.MANAGER):
    client.force_login(owner_of(merchant))
    return client.post("/console/merchants/invitation/add/", {"email": email, "role": role})


def test_owner_invites_by_email_and_the_invitee_accepts_after_signing_in(
    client, make_merchant, make_user, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, merchant)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["max@agency.example"]
    assert "Fizz" in mail.outbox[0].subject
    path = _invitation_path(mail.outbox[0])
    client.logout()

    anonymous = client.get(path)
    assert "Sign in with max@agency.example" in anonymous.content.decode()
    client.force_login(make_user("max@agency.example"))
    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == "/console/"
    membership = Membership.objects.get(merchant=merchant, user__email="max@agency.example")
    assert membership.role == Role.MANAGER
    assert Invitation.objects.get().status == "Accepted"
    assert client.post(path).status_code == 400  # a link works once


def test_an_expired_invitation_link_is_refused(client, make_merchant, make_user, settings):
    merchant = make_merchant("fizz")
    invitation = services.invitation_create(
        merchant=merchant,
        actor=owner_of(merchant),
        email="max@agency.example",
        role=Role.VIEWER,
        now=timezone.now(),
    )
    token = services.invitation_token(invitation=invitation)
    settings.MERCHANT_INVITATION_MAX_AGE_DAYS = 0  # every link is older than zero days
    client.force_login(make_user("max@agency.example"))

    response = client.post(f"/merchants/invitations/{token}/")

    assert response.status_code == 400
    assert "This invitation has expired" in response.content.decode()
    assert not Membership.objects.filter(user__email="max@agency.example").exists()


def test_a_tampered_invitation_link_is_refused(client, make_merchant, make_user):
    merchant = make_merchant("fizz")
    other = make_merchant("other")
    invitation = services.invitation_create(
        merchant=merchant,
        actor=owner_of(merchant),
        email="max@agency.example",
        role=Role.VIEWER,
        now=timezone.now(),
    )
    token = services.invitation_token(invitation=invitation)
    payload, rest = token.split(":", 1)
    forged = signing.dumps({"i": invitation.pk, "e": "max@agency.example", "role": "OWNER"}, salt="x")
    client.force_login(make_user("max@agency.example"))

    for bad in (payload[:-2] + "AA:" + rest, token[:-3] + "abc", forged, "garbage"):
        response = client.post(f"/merchants/invitations/{bad}/")
        assert response.status_code == 400, bad
        assert "not valid" in response.content.decode()
    assert not Membership.objects.filter(user__email="max@agency.example").exists()
    assert other.memberships.count() == 1


def test_an_invitation_is_accepted_only_by_its_email_address(client, make_merchant, make_user):
    merchant = make_merchant("fizz")
    invitation = services.invitation_create(
        merchant=merchant,
        actor=owner_of(merchant),
        email="max@agency.example",
        role=Role.OWNER,
        now=timezone.now(),
    )
    client.force_login(make_user("mallory@evil.example"))

    response = client.post(f"/merchants/invitations/{services.invitation_token(invitation=invitation)}/")

    assert response.status_code == 400
    assert "This invitation is for max@agency.example" in response.content.decode()
    assert not Membership.objects.filter(user__email="mallory@evil.example").exists()


def test_a_withdrawn_invitation_is_refused(client, make_merchant, make_user):
    merchant = make_merchant("fizz")
    owner = owner_of(merchant)
    invitation = services.invitation_create(
        merchant=merchant, actor=owner, email="max@agency.example", role=Role.VIEWER, now=timezone.now()
    )
    services.invitation_revoke(invitation=invitation, actor=owner, now=timezone.now())
    client.force_login(make_user("max@agency.example"))

    response = client.post(f"/merchants/invitations/{services.invitation_token(invitation=invitation)}/")

    assert response.status_code == 400
    assert "withdrawn" in response.content.decode()


def test_only_owners_invite(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    manager = add_member(merchant, "manager@fizz.example", Role.MANAGER)
    client.force_login(manager)

    response = client.post("/console/merchants/invitation/add/", {"email": "x@y.example", "role": "OWNER"})

    assert response.status_code == 403
    assert not Invitation.objects.exists()
    with pytest.raises(services.NotAllowed):
        services.invitation_create(
            merchant=merchant, actor=manager, email="x@y.example", role="OWNER", now=timezone.now()
        )


def test_owner_changes_a_role_in_the_console(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    manager = add_member(merchant, "manager@fizz.example", Role.MANAGER)
    membership = Membership.objects.get(user=manager)
    client.force_login(owner_of(merchant))

    response = client.post(f"/console/merchants/membership/{membership.pk}/change/", {"role": Role.VIEWER})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_a_manager_cannot_change_roles(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    manager = add_member(merchant, "manager@fizz.example", Role.MANAGER)
    owner_membership = Membership.objects.get(merchant=merchant, role=Role.OWNER)
    client.force_login(manager)

    response = client.post(
        f"/console/merchants/membership/{owner_membership.pk}/change/", {"role": Role.VIEWER}
    )

    assert response.status_code == 403
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_the_last_owner_cannot_step_down_or_be_removed(client, make_merchant):
    merchant = make_merchant("fizz")
    owner_membership = Membership.objects.get(merchant=merchant)
    client.force_login(owner_membership.user)

    demote = client.post(
        f"/console/merchants/membership/{owner_membership.pk}/change/", {"role": Role.MANAGER}, follow=True
    )
    remove = client.post(
        f"/console/merchants/membership/{owner_membership.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert "A merchant needs at least one owner" in demote.content.decode()
    assert "The last owner can&#x27;t be removed" in remove.content.decode()
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_an_owner_can_leave_when_another_owner_remains(client, make_merchant, add_member):
    merchant = make_merchant("fizz")
    second = add_member(merchant, "second@fizz.example", Role.OWNER)
    first_membership = Membership.objects.get(merchant=merchant, user__email="owner@fizz.example")
    client.force_login(second)

    response = client.post(f"/console/merchants/membership/{first_membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(merchant.memberships.values_list("user__email", flat=True)) == ["second@fizz.example"]


def test_an_agency_switches_between_its_merchants(client, make_merchant, add_member, make_user):
    fizz, buzz = make_merchant("fizz"), make_merchant("buzz")
    agency = add_member(fizz, "team@agency.example", Role.AGENCY)
    Membership.objects.create(merchant=buzz, user=agency, role=Role.VIEWER)
    client.force_login(agency)

    first = client.get("/console/").content.decode()
    client.post("/console/switch/", {"merchant": fizz.pk})
    second = client.get("/console/").content.decode()
    refused = client.post("/console/switch/", {"merchant": make_merchant("third").pk})

    assert "<h1>Buzz</h1>" in first and "You are Viewer" in first  # first by brand name
    assert "<h1>Fizz</h1>" in second and "You are Agency" in second
    assert refused.status_code == 403
    assert "<h1>Fizz</h1>" in client.get("/console/").content.decode()


def test_invitation_expiry_is_counted_from_the_link(make_merchant):
    merchant = make_merchant("fizz")
    invitation = services.invitation_create(
        merchant=merchant, actor=owner_of(merchant), email="a@b.example", role=Role.VIEWER, now=timezone.now()
    )
    assert services.invitation_max_age() == timedelta(days=7)
    assert (
        services.invitation_from_token(token=services.invitation_token(invitation=invitation)) == invitation
    )


def test_an_invitee_without_account_signs_up_from_the_link_and_lands_on_the_invitation(
    client, make_merchant, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, merchant, email="new@agency.example", role=Role.AGENCY)
    path = _invitation_path(mail.outbox[-1])
    client.logout()

    client.post(
        f"/accounts/signup/?next={path}",
        {
            "email": "new@agency.example",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    landed = client.post(confirm, follow=True)
    accepted = client.post(path)

    assert landed.redirect_chain[-1][0] == path
    assert accepted.status_code == 302
    assert Membership.objects.get(merchant=merchant, user__email="new@agency.example").role == Role.AGENCY


def test_a_team_member_signing_in_lands_on_the_console_and_anyone_else_where_they_did(client, make_merchant):
    """The owner's work is in the console: signing in with e-mail and password takes them there (not
    to the site's home page); a person on no team keeps landing on the home page."""
    from accounts.services import user_ensure_with_email

    merchant = make_merchant("acme")
    owner = owner_of(merchant)
    owner.set_password("a-long-pass-phrase-42")
    owner.save(update_fields=["password"])
    user_ensure_with_email(email="nobody@brand.example", password="a-long-pass-phrase-42")

    landed = client.post("/accounts/login/", {"login": owner.email, "password": "a-long-pass-phrase-42"})
    dashboard = client.get(landed["Location"])
    client.logout()
    elsewhere = client.post(
        "/accounts/login/", {"login": "nobody@brand.example", "password": "a-long-pass-phrase-42"}
    )

    assert (landed.status_code, landed["Location"]) == (302, "/console/")
    assert dashboard.status_code == 200 and merchant.brand_name in dashboard.content.decode()
    assert (elsewhere.status_code, elsewhere["Location"]) == (302, "/")


def test_two_merchants_of_the_same_brand_name_are_told_apart_in_the_switcher(
    client, make_merchant, add_member
):
    berlin = make_merchant("acme-berlin", brand_name="Acme")
    paris = make_merchant("acme-paris", brand_name="Acme")
    agency = add_member(berlin, "team@agency.example", Role.AGENCY)
    Membership.objects.create(merchant=paris, user=agency, role=Role.VIEWER)
    client.force_login(agency)
    client.post("/console/switch/", {"merchant": berlin.pk})

    page = html.unescape(client.get("/console/switch/").content.decode())

    addresses = re.findall(r'data-testid="merchant-address">Brand page: <a href="([^"]+)">', page)
    assert addresses == ["/b/acme-berlin/", "/b/acme-paris/"]
    assert 'value="Switch to Acme (/b/acme-paris/)"' in page
