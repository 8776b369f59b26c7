"""The ops pages of a person: the password page's help and its heading (issue #23)."""

from __future__ import annotations

from html import unescape

import pytest

from accounts.services import user_locale_set

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "warning"),
    [
        ("en", "If disabled, the current password for this user will be lost."),
        ("de", "Beim Deaktivieren"),
    ],
)
def test_the_password_page_shows_its_warning_as_a_box_not_as_markup(
    client, ops, make_user, language, warning
):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    user_locale_set(user=ops, language=language)
    client.force_login(ops)
    person = make_user("hana@shop.example")

    page = client.get(f"/ops/accounts/user/{person.pk}/password/").content.decode()

    assert '<ul id="id_unusable_warning" class="messagelist"><li class="warning">' in page
    assert warning in unescape(page)
    assert "&lt;ul" not in page and "&lt;li" not in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Set password: Hana Consumer"), ("de", "Passwort festlegen: Hana Consumer")],
)
def test_the_password_page_of_a_person_without_e_mail_names_them(
    client, ops, make_consumer, language, heading
):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    user_locale_set(user=ops, language=language)
    client.force_login(ops)
    person = make_consumer("Hana Consumer")

    page = unescape(client.get(f"/ops/accounts/user/{person.pk}/password/").content.decode())

    assert f"<h1>{heading}</h1>" in page
    assert f"<title>{heading} |" in page
    assert ": None" not in page


def test_the_pages_of_a_person_without_e_mail_never_call_them_none(ops_client, make_consumer):
    person = make_consumer("Hana Consumer")

    for path in ("change", "history", "delete"):
        page = unescape(ops_client.get(f"/ops/accounts/user/{person.pk}/{path}/").content.decode())

        assert "Hana Consumer" in page, path
        assert "None" not in page, path
