"""/me/: the person's language and time zone."""

import pytest

from accounts.models import User


@pytest.mark.django_db
def test_me_offers_language_and_time_zone_and_suggests_the_devices_zone_without_choosing_it(
    client, make_consumer
):
    consumer = make_consumer("Ana")
    client.force_login(consumer)
    page = client.get("/me/").content.decode()
    assert 'data-testid="locale-form"' in page
    assert '<option value="Europe/Rome">Europe/Rome</option>' in page
    assert '<option value="" selected>Not chosen (times in UTC)</option>' in page
    assert "data-time-zone-suggestion hidden" in page  # shown by the script, filled only on "Use it"


@pytest.mark.django_db
def test_saving_language_and_time_zone(client, make_consumer, settings):
    consumer = make_consumer("Ana")
    client.force_login(consumer)
    response = client.post("/me/language/", {"language": "it", "time_zone": "Europe/Rome"}, follow=True)
    consumer.refresh_from_db()
    assert (consumer.language, consumer.time_zone) == ("it", "Europe/Rome")
    assert response.redirect_chain[-1][0] == "/me/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"  # this device, even signed out
    assert response["Content-Language"] == "it"
    assert '<option value="Europe/Rome" selected>Europe/Rome</option>' in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_with_the_form_shown_again(client, make_consumer):
    consumer = make_consumer("Ana")
    client.force_login(consumer)
    response = client.post("/me/language/", {"language": "de", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Mars/Olympus" in response.content.decode()
    assert User.objects.get(pk=consumer.pk).time_zone == ""
