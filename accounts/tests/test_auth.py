import re

import pytest
from django.core import mail

from accounts.models import User


def _link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.mark.django_db
def test_sign_up_sends_a_verification_mail_and_confirming_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "Founder@Brand.example",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "founder@brand.example"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["founder@brand.example"]

    confirm_path = _link_in(mail.outbox[0])
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)

    assert response.status_code == 302
    assert client.get("/").context["user"] == user


@pytest.mark.django_db
def test_sign_up_refuses_mismatched_passwords_and_creates_nobody(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "a@brand.example",
            "password1": "a-long-pass-phrase-42",
            "password2": "another-pass-phrase",
        },
    )

    assert response.status_code == 200
    assert "You must type the same password each time" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_sign_up_refuses_an_email_already_in_use_in_other_case(client):
    User.objects.create_user(email="taken@brand.example", password="x-long-pass-phrase-1")

    response = client.post(
        "/accounts/signup/",
        {
            "email": "TAKEN@brand.example",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )

    # allauth does not reveal which addresses have accounts: the visitor is told to
    # check their inbox, and the owner of the address is told someone tried.
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taken@brand.example"]
    assert "already" in mail.outbox[0].body


@pytest.mark.django_db
def test_verified_user_signs_in_with_email_and_password(client):
    from accounts.services import user_ensure_with_email

    user, _ = user_ensure_with_email(email="owner@brand.example", password="a-long-pass-phrase-42")

    response = client.post(
        "/accounts/login/", {"login": "owner@brand.example", "password": "a-long-pass-phrase-42"}
    )

    assert response.status_code == 302
    assert client.get("/").context["user"] == user


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client):
    from accounts.services import user_ensure_with_email

    user_ensure_with_email(email="owner@brand.example", password="a-long-pass-phrase-42")

    response = client.post("/accounts/login/", {"login": "owner@brand.example", "password": "wrong"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password(client):
    from accounts.services import user_ensure_with_email

    user_ensure_with_email(email="owner@brand.example", password="a-long-pass-phrase-42")

    client.post("/accounts/password/reset/", {"email": "owner@brand.example"})

    assert len(mail.outbox) == 1
    reset_path = _link_in(mail.outbox[0])
    response = client.get(reset_path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else reset_path
    response = client.post(
        form_path, {"password1": "brand-new-phrase-77", "password2": "brand-new-phrase-77"}
    )
    assert response.status_code == 302

    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "owner@brand.example", "password": "brand-new-phrase-77"}
    )
    assert response.status_code == 302
