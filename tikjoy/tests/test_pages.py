import pytest

from accounts.models import User


@pytest.mark.django_db
def test_home_page_says_what_tikjoy_is(client):
    response = client.get("/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Get paid for what you do for the brands you love" in body
    assert "/accounts/signup/" in body


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get("/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_ops_admin_sends_anonymous_visitors_to_its_login(client):
    response = client.get("/ops/")

    assert response.status_code == 302
    assert response["Location"].startswith("/ops/login/")


@pytest.mark.django_db
def test_ops_admin_is_refused_to_a_signed_in_non_staff_user(client):
    user = User.objects.create_user(email="merchant@example.com", password="long-enough-pw-1")
    client.force_login(user)

    response = client.get("/ops/")

    assert response.status_code == 302
    assert response["Location"].startswith("/ops/login/")
    assert client.get("/ops/accounts/user/").status_code == 302


@pytest.mark.django_db
def test_ops_admin_opens_for_staff(client):
    staff = User.objects.create_superuser(email="ops@example.com", password="long-enough-pw-1")
    client.force_login(staff)

    response = client.get("/ops/")

    assert response.status_code == 200
    assert "TikJoy operations" in response.content.decode()
