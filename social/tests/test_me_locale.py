"""/me/: the person's language and time zone."""

import re

import pytest

from accounts.middleware import TIME_ZONE_COOKIE
from accounts.models import User


@pytest.mark.django_db
def test_me_offers_language_and_time_zone_and_suggests_the_devices_zone_without_choosing_it(
    client, make_consumer
):
    consumer = make_consumer("Ana")
    client.force_login(consumer)
    page = client.get("/me/").content.decode()
    assert 'data-testid="locale-form"' in page
    assert '<option value="Europe/Rome">Rome (Central European Time)</option>' in page
    assert '<option value="" selected>Not chosen (your device&#x27;s time zone, else UTC)</option>' in page
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
    assert (
        '<option value="Europe/Rome" selected>Roma (Ora dell\u2019Europa centrale)</option>'
        in response.content.decode()
    )


@pytest.mark.django_db
def test_time_zones_are_named_in_the_readers_language_each_once(client, make_consumer):
    consumer = make_consumer("Ana")
    client.force_login(consumer)

    page = client.get("/me/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    labels = re.findall(r'<option value="[A-Z][^"]*">([^<]+)</option>', page)

    assert "Rom (Mitteleuropäische Zeit)" in labels
    assert "Europe/Rome" not in labels and not any("_" in label for label in labels)
    assert 'value="America/Buenos_Aires"' not in page  # an alias of America/Argentina/Buenos_Aires
    assert len(labels) == len(set(labels))  # no two zones read the same
    assert "Buenos Aires (Argentinische Zeit)" in labels and "Abidjan, Côte d\u2019Ivoire" in labels
    # CLDR's names under its older ids: Córdoba's accent, Kolkata's city; a station by its continent.
    assert "Córdoba (Argentinische Zeit)" in labels and "Kalkutta, Indien" in labels
    assert "Troll, Antarktis" in labels
    for label in labels:  # no IANA path, no unknown region, no bracket in a bracket
        assert not re.search(r"\b(America|Europe|Asia|Africa|Argentina|Indiana|Kentucky)/", label), label
        assert "Unbekannt" not in label, label
        assert not re.search(r"\([^)]*\(", label), label


@pytest.mark.django_db
def test_an_alias_the_browser_reports_is_saved_as_it_is(client, make_consumer):
    consumer = make_consumer("Ana")
    client.force_login(consumer)

    client.post("/me/language/", {"language": "", "time_zone": "Asia/Calcutta"})

    consumer.refresh_from_db()
    assert consumer.time_zone == "Asia/Calcutta"
    assert '<option value="Asia/Calcutta" selected>' in client.get("/me/").content.decode()


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_with_the_form_shown_again(client, make_consumer):
    consumer = make_consumer("Ana")
    client.force_login(consumer)
    response = client.post("/me/language/", {"language": "de", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Mars/Olympus" in response.content.decode()
    assert User.objects.get(pk=consumer.pk).time_zone == ""


def _options(page: str) -> list[str]:
    select = re.search(r'<select name="time_zone".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.django_db
def test_the_likely_zones_come_first_the_browsers_preselected_then_the_full_list(client, make_consumer):
    consumer = make_consumer("Ana")
    consumer.phone = "+34612345678"  # Spain
    consumer.save(update_fields=["phone"])
    client.force_login(consumer)
    client.cookies[TIME_ZONE_COOKIE] = "Europe/Berlin"

    page = client.get("/me/").content.decode()

    options = _options(page)
    full = options.index("Africa/Abidjan")  # the full list follows the likely zones
    assert options[:full] == [
        "",
        "Europe/Berlin",  # the browser's
        "Europe/Busingen",  # its country's other zone
        "Africa/Ceuta",  # the phone's country's (Spain)
        "Atlantic/Canary",
        "Europe/Madrid",
    ]
    assert len(options[full:]) == len(set(options[full:])) > 300
    assert len(options) == len(set(options))  # each zone once: the likely ones are not repeated below
    assert '<optgroup label="Other time zones">' in page
    assert '<optgroup label="Likely for you">' in page
    assert '<option value="Europe/Berlin" selected>' in page
    locale_form = page.split('data-testid="locale-form"')[1].split("</form>")[0]
    assert locale_form.count(" selected>") == 1 + 1  # the zone, and the language's "Not chosen"
    assert "Suggested from your device: Berlin (Central European Time). Press Save to keep it." in page
    assert User.objects.get(pk=consumer.pk).time_zone == ""  # suggested, not saved


@pytest.mark.django_db
def test_a_saved_zone_stays_selected_and_nothing_is_suggested(client, make_consumer):
    consumer = make_consumer("Ana")
    consumer.time_zone = "Europe/Rome"
    consumer.save(update_fields=["time_zone"])
    client.force_login(consumer)
    client.cookies[TIME_ZONE_COOKIE] = "Europe/Berlin"

    page = client.get("/me/").content.decode()

    assert _options(page)[1] == "Europe/Berlin"
    assert '<option value="Europe/Rome" selected>' in page
    assert "Suggested from your device" not in page


@pytest.mark.django_db
def test_the_italian_time_zone_choice_sorts_past_the_apostrophe(client, make_consumer):
    consumer = make_consumer("Ana")
    User.objects.filter(pk=consumer.pk).update(language="it")
    client.force_login(consumer)

    page = client.get("/me/").content.decode()

    havana = page.index("L\u2019Avana (Ora di Cuba)")
    assert page.index("Lagos (") < havana < page.index("Libreville (")
    assert havana < page.index("Lussemburgo (Ora")
