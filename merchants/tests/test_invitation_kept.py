"""An invitation opened before signing in is kept through any way of signing in or up."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from merchants import services
from merchants.models import Membership
from merchants.roles import Role
from merchants.tests.conftest import PASSWORD, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation_path(make_merchant):
    merchant = make_merchant("fizz")
    invitation = services.invitation_create(
        merchant=merchant,
        actor=owner_of(merchant),
        email="max@agency.example",
        role=Role.MANAGER,
        now=timezone.now(),
    )
    return f"/merchants/invitations/{services.invitation_token(invitation=invitation)}/"


def test_an_invitee_who_uses_the_headers_sign_up_comes_back_to_the_invitation_and_accepts_it(
    client, invitation_path
):
    assert "Sign up" in client.get(invitation_path).content.decode()
    mail.outbox.clear()

    response = client.post(
        "/accounts/signup/",  # the header's link: no ``next``
        {"email": "max@agency.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    response = client.post(confirm)

    assert response["Location"] == invitation_path
    page = client.get(invitation_path).content.decode()
    assert "Accept and open the console" in page
    response = client.post(invitation_path)
    assert response["Location"] == "/console/"
    assert Membership.objects.get(user__email="max@agency.example").role == Role.MANAGER


def test_an_invitee_who_signs_in_from_the_header_comes_back_to_the_invitation(
    client, invitation_path, make_user
):
    make_user("max@agency.example")
    client.get(invitation_path)

    response = client.post("/accounts/login/", {"login": "max@agency.example", "password": PASSWORD})

    assert response["Location"] == invitation_path
    client.get(invitation_path)  # shown once: the next sign-in goes where it normally does
    client.logout()
    response = client.post("/accounts/login/", {"login": "max@agency.example", "password": PASSWORD})
    assert response["Location"] != invitation_path
