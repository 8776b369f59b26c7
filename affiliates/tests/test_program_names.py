"""A program's name and its brand's videos in the reader's language (#23): the owner names the program
in the brand's language and, if they like, in the others; a reader sees theirs (the program page, the
list of programs, the e-mails), else the owner's."""

from __future__ import annotations

import pytest
from django.core import mail

from affiliates import services
from affiliates.models import Program
from campaigns import services as campaign_services
from tikjoy.tests.factories import NOW, UserFactory, affiliate_make, owner_of

pytestmark = pytest.mark.django_db


def _save(client, merchant, **fields):
    client.force_login(owner_of(merchant))
    return client.post(
        "/console/affiliates/",
        {
            "name": "Partnerprogramm von Kaffee",
            "bounty": "12,50",
            "domains": "kaffee.example",
            "window_days": 30,
            "attribution": "LAST_CLICK",
            "is_active": "on",
            **fields,
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )


def test_the_owner_names_the_program_in_the_brands_language_and_in_others(client, make_merchant):
    merchant = make_merchant("kaffee", funds="100.00", language="de")
    client.force_login(owner_of(merchant))
    form = client.get("/console/affiliates/").content.decode()
    assert 'name="name_it"' in form and 'name="name_en"' in form
    assert 'name="name_de"' not in form  # German is the name's own language
    assert form.index('name="name_it"') < form.index('name="bounty"')  # under the name

    answer = _save(client, merchant, name_it="Programma di affiliazione di Kaffee", name_fr="")

    assert answer.status_code == 302
    program = Program.objects.get(merchant=merchant)
    assert program.name == "Partnerprogramm von Kaffee"
    assert program.name_translations == {"it": "Programma di affiliazione di Kaffee"}
    form = client.get("/console/affiliates/").content.decode()
    assert 'value="Programma di affiliazione di Kaffee"' in form  # shown again to change it


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("it", "Programma di affiliazione di Kaffee"),
        ("fr", "Partnerprogramm von Kaffee"),  # none in French: the owner's
    ],
)
def test_a_reader_sees_the_name_in_their_language_else_the_owners(client, make_merchant, language, name):
    merchant = make_merchant("kaffee", funds="100.00", language="de")
    _save(client, merchant, name_it="Programma di affiliazione di Kaffee")
    program = Program.objects.get(merchant=merchant)
    client.logout()

    directory = client.get("/affiliates/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    page = client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f">{name}</a></h2>" in directory
    assert f"<h1>{name}</h1>" in page
    if language == "it":
        assert "Partnerprogramm von Kaffee" not in directory + page


def test_a_name_the_form_did_not_offer_is_kept_when_the_brands_language_changes(client, make_merchant):
    merchant = make_merchant("kaffee", funds="100.00", language="it")
    _save(client, merchant, name="Programma di Kaffee", name_de="Partnerprogramm von Kaffee")
    merchant.language = "de"  # the brand's language changes: the form no longer offers German
    merchant.save(update_fields=["language"])

    _save(client, merchant, name="Programma di Kaffee", name_fr="Programme de Kaffee")

    program = Program.objects.get(merchant=merchant)
    assert program.name_translations == {"de": "Partnerprogramm von Kaffee", "fr": "Programme de Kaffee"}


def test_the_decision_mail_names_the_program_in_the_affiliates_language(
    client, make_merchant, django_capture_on_commit_callbacks
):
    merchant = make_merchant("kaffee", funds="100.00", language="de")
    _save(client, merchant, name_it="Programma di affiliazione di Kaffee")
    program = Program.objects.get(merchant=merchant)
    lia = UserFactory(email="lia@creator.example")
    lia.language = "it"
    lia.save(update_fields=["language"])
    applicant = services.affiliate_apply(
        program=program,
        user=lia,
        website="https://creator.example/",
        promotion_plan="Recensioni",
        now=NOW,
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.affiliate_decide(
            affiliate_id=applicant.pk, status="APPROVED", reason="", actor=owner_of(merchant), now=NOW
        )

    sent = next(m for m in mail.outbox if m.to == ["lia@creator.example"])
    assert sent.subject.startswith("Programma di affiliazione di Kaffee: ")
    assert "Partnerprogramm" not in sent.subject + sent.body


def test_the_creative_assets_show_the_videos_titles_in_the_readers_language(client, make_merchant):
    merchant = make_merchant("kaffee", funds="100.00", language="de")
    _save(client, merchant)
    program = Program.objects.get(merchant=merchant)
    owner = owner_of(merchant)
    summer = campaign_services.video_add(
        merchant=merchant,
        actor=owner,
        title="Sommerröstung",
        tiktok_url="https://www.tiktok.com/@kaffee/video/1",
    )
    campaign_services.video_texts_save(video=summer, actor=owner, texts={"it": ("Tostatura estiva", "")})
    campaign_services.video_add(
        merchant=merchant,
        actor=owner,
        title="Winterröstung",
        tiktok_url="https://www.tiktok.com/@kaffee/video/2",
    )
    affiliate = affiliate_make(program)
    client.force_login(affiliate.user)

    page = client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert '<li data-testid="asset">Tostatura estiva · ' in page
    assert '<li data-testid="asset">Winterröstung · ' in page  # no Italian title: the video's own
    assert "Sommerröstung" not in page
