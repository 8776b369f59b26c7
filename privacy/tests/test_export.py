"""The data export: a ZIP of every kind of record of the person, nothing of anyone else, to them only."""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.models import User
from campaigns.models import UgcStatus, UgcSubmission
from merchants.models import ConsentField
from merchants.services import consent_give, consent_withdraw
from privacy.models import DataExport
from privacy.tests.test_deletion import EMAIL, HANDLE, NAME, PHONE, world  # noqa: F401 (a fixture)
from rewards.tests.conftest import snapshot, tracked_post
from social.models import TikTokProfile

pytestmark = pytest.mark.django_db

OTHER_NAME, OTHER_EMAIL, OTHER_HANDLE = "Olaf Someone-Else", "olaf@other.example", "olaf_handle"


@pytest.fixture
def both(world):  # noqa: F811
    """Zoe with one record of every kind; Olaf, another person, with records of his own at the same brands."""
    zoe, alpha, beta = world["zoe"], world["alpha"], world["beta"]
    campaign = alpha.campaigns.get()
    post = tracked_post(zoe, campaign, video_id="zoe-video-1")
    snapshot(post, views=1234, likes=56)
    UgcSubmission.objects.create(
        campaign=campaign,
        user=zoe,
        file=SimpleUploadedFile("zoe.mp4", b"video"),
        caption="Zoe's own video",
        status=UgcStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    consent_give(user=zoe, merchant=beta, fields=[ConsentField.EMAIL], now=timezone.now())
    consent_withdraw(user=zoe, merchant=beta, now=timezone.now())
    olaf = User.objects.get(display_name="Other Person")
    olaf.display_name, olaf.email = OTHER_NAME, OTHER_EMAIL
    olaf.save(update_fields=["display_name", "email"])
    TikTokProfile.objects.create(user=olaf, open_id="olaf-open-id", username=OTHER_HANDLE)
    consent_give(user=olaf, merchant=alpha, fields=[ConsentField.DISPLAY_NAME], now=timezone.now())
    snapshot(tracked_post(olaf, campaign, video_id="olaf-video-1"), views=999)
    return zoe, olaf


def _export(client, user, capture) -> tuple[dict, zipfile.ZipFile]:
    client.force_login(user)
    with capture(execute=True):  # the job is queued after commit and runs at once in tests
        client.post(reverse("privacy:export"))
    export = DataExport.objects.filter(user=user).latest("pk")
    response = client.get(reverse("privacy:export_download", args=[export.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return json.loads(archive.read("data.json")), archive


def test_the_export_holds_each_kind_of_record_of_the_person_and_nothing_of_another(
    client, both, django_capture_on_commit_callbacks
):
    zoe, _olaf = both
    User.objects.filter(pk=zoe.pk).update(browser_language="en", time_zone="Europe/Rome")
    zoe.refresh_from_db()

    data, archive = _export(client, zoe, django_capture_on_commit_callbacks)

    assert data["profile"] == [
        {
            "id": zoe.pk,
            "display_name": NAME,
            "email": EMAIL,
            "phone": PHONE,
            "phone_verified": True,
            "date_joined": zoe.date_joined.isoformat(),
            "last_login": data["profile"][0]["last_login"],
            "language": "",
            "browser_language": "en",  # recorded at sign-in, not a choice
            "time_zone": "Europe/Rome",
        }
    ]
    assert {(i["kind"], i["identifier"]) for i in data["sign_in_identities"]} == {
        ("e-mail", EMAIL),
        ("TikTok", "zoe-open-id"),
    }
    assert [p["username"] for p in data["tiktok_profile"]] == [HANDLE]
    assert [(c["brand"], c["fields"], bool(c["withdrawn_at"])) for c in data["consents"]] == [
        ("Alpha", "Name, TikTok handle", False),
        ("Beta", "E-mail address", True),
    ]
    assert {(m["brand"], m["field"]) for m in data["merchants_received"]} == {
        ("Alpha", "Name"),
        ("Alpha", "TikTok handle"),
        ("Beta", "E-mail address"),
    }
    assert {(a["brand"], a["device_id"]) for a in data["social_actions"]} == {
        ("Alpha", "zoe-device"),
        ("Beta", "zoe-device"),
        ("Gamma", "shared"),
    }
    assert "203.0.113.9" in {a["ip_address"] for a in data["social_actions"]}
    assert [p["video_id"] for p in data["tracked_posts"]] == ["zoe-video-1"]
    assert [(s["video_id"], s["views"]) for s in data["engagement"]] == [("zoe-video-1", 1234)]
    assert sorted(r["status"] for r in data["rewards"]) == ["Available", "Held for review", "Pending"]
    assert {e["kind"] for e in data["wallet_history"]} >= {
        "Reward credited, pending",
        "Payout to your bank account",
    }
    assert [u["caption"] for u in data["ugc_videos"]] == ["Zoe's own video"]
    assert [b["iban"] for b in data["bank_details"]] == ["DE89 •••• 3000"]
    assert [i["legal_name"] for i in data["payee_identity"]] == ["Ana Dances"]
    assert [p["amount"] for p in data["payouts"]] == ["1.00"]
    # Every section is also a CSV, and nothing of Olaf (or of a token) is anywhere in the ZIP.
    assert {f"{name}.csv" for name in data if name != "exported_at"} <= set(archive.namelist())
    everything = "\n".join(archive.read(name).decode() for name in archive.namelist())
    for secret in (OTHER_NAME, OTHER_EMAIL, OTHER_HANDLE, "olaf-video-1", "olaf-open-id", "access-secret"):
        assert secret not in everything
    assert "DE89370400440532013000" not in everything  # the IBAN only masked


def test_a_section_without_rows_is_a_csv_with_its_header_not_an_empty_file(
    client, db, django_capture_on_commit_callbacks
):
    """Walkthrough: a person with no payouts (or no affiliate links, ...) got 0-byte CSVs that a
    spreadsheet opened as a blank sheet, not saying what the file would hold."""
    newcomer = User.objects.create_user(email="new@example.com", password="a-long-pass-phrase-42")

    data, archive = _export(client, newcomer, django_capture_on_commit_callbacks)

    assert data["payouts"] == [] and data["merchants_received"] == []
    for name in archive.namelist():
        if name.endswith(".csv"):
            assert archive.read(name), f"{name} is empty"
    payouts = list(csv.reader(io.StringIO(archive.read("payouts.csv").decode())))
    assert payouts == [
        ["reference", "amount", "currency", "to", "state", "reason", "requested_at", "closed_at"]
    ]
    received = list(csv.reader(io.StringIO(archive.read("merchants_received.csv").decode())))
    assert received == [["brand", "field", "from", "until"]]
    purchases = archive.read("promote_purchases.csv").decode().splitlines()
    assert purchases == ["what,coins,amount,currency,paid_with,at"]


def test_the_download_needs_the_persons_session(client, both, django_capture_on_commit_callbacks):
    zoe, olaf = both
    _export(client, zoe, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=zoe)
    url = reverse("privacy:export_download", args=[export.pk])

    client.force_login(olaf)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_the_link_expires(client, both, settings, django_capture_on_commit_callbacks):
    zoe, _ = both
    settings.PRIVACY_EXPORT_LINK_HOURS = 48
    _export(client, zoe, django_capture_on_commit_callbacks)
    export = DataExport.objects.get(user=zoe)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(reverse("privacy:export_download", args=[export.pk])).status_code == 404
    assert "Expired" in client.get(reverse("privacy:export")).content.decode()


def test_exports_are_rate_limited(client, both, settings, django_capture_on_commit_callbacks):
    zoe, _ = both
    settings.PRIVACY_EXPORTS_PER_DAY = 2
    client.force_login(zoe)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):  # each is made before the next is asked
            response = client.post(reverse("privacy:export"), follow=True)

    assert DataExport.objects.filter(user=zoe).count() == 2
    assert "You asked for 2 exports in the last 24 hours." in response.content.decode()


def test_the_person_is_told_by_email_when_the_export_is_ready(
    client, both, mailoutbox, django_capture_on_commit_callbacks
):
    zoe, _ = both

    _export(client, zoe, django_capture_on_commit_callbacks)

    mail = [m for m in mailoutbox if m.subject == "Your TikJoy data export is ready"]
    assert [m.to for m in mail] == [[EMAIL]]
    assert "/me/export/" in mail[0].body


def test_asking_twice_quickly_prepares_one_export_and_shows_it(
    client, both, mailoutbox, django_capture_on_commit_callbacks
):
    zoe, _ = both
    client.force_login(zoe)

    with django_capture_on_commit_callbacks(execute=False) as jobs:
        client.post(reverse("privacy:export"), HTTP_ACCEPT_LANGUAGE="it")
        second = client.post(reverse("privacy:export"), HTTP_ACCEPT_LANGUAGE="it", follow=True)

    assert DataExport.objects.filter(user=zoe).count() == 1 and len(jobs) == 1
    page = second.content.decode()
    assert "I tuoi dati sono già in preparazione: questa pagina li mostra quando sono pronti." in page
    assert page.count('data-testid="export-row"') == 1
    with django_capture_on_commit_callbacks(execute=True):  # the job, and the e-mail it sends after commit
        for job in jobs:
            job()
    assert len([m for m in mailoutbox if "/me/export/" in m.body]) == 1


def test_the_readme_in_the_zip_speaks_the_persons_language(client, both, django_capture_on_commit_callbacks):
    zoe, _ = both
    zoe.language = "de"
    zoe.save(update_fields=["language"])

    _, archive = _export(client, zoe, django_capture_on_commit_callbacks)

    readme = archive.read("README.txt").decode()
    assert readme.startswith("Deine Daten bei TikJoy")
    assert "wallet_history         jede Bewegung deines Guthabens (Buchungen)" in readme
    assert "every movement" not in readme


def test_the_readme_names_every_file_of_the_zip(client, both, django_capture_on_commit_callbacks):
    zoe, _ = both

    _, archive = _export(client, zoe, django_capture_on_commit_callbacks)

    readme = archive.read("README.txt").decode()
    listed = {line.split()[0] for line in readme.splitlines()[4:] if line.strip()}
    files = {name.removesuffix(".csv") for name in archive.namelist() if name.endswith(".csv")}
    assert files and files <= listed, files - listed


def _csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def test_a_spanish_persons_csv_files_speak_spanish_under_the_same_column_names(
    client, both, django_capture_on_commit_callbacks
):
    zoe, _ = both
    zoe.language = "es"
    zoe.save(update_fields=["language"])

    _, archive = _export(client, zoe, django_capture_on_commit_callbacks)  # built in a task: no request

    actions = _csv_rows(archive, "social_actions.csv")
    assert list(actions[0]) == [  # the column names are keys: the same in every language
        "brand",
        "action",
        "status",
        "detail",
        "occurred_at",
        "device_id",
        "ip_address",
    ]
    assert {(a["brand"], a["action"], a["status"]) for a in actions} == {
        ("Alpha", "Inicio de sesión con TikTok", "Recompensada"),
        ("Beta", "Inicio de sesión con TikTok", "Recompensada"),
        ("Gamma", "Inicio de sesión con TikTok", "En revisión"),
    }
    alpha = next(a for a in actions if a["brand"] == "Alpha")
    assert alpha["detail"] == "Pagada: tu recompensa está en tu monedero."
    rewards = _csv_rows(archive, "rewards.csv")
    assert sorted((r["kind"], r["status"]) for r in rewards) == [
        ("Por la acción", "Disponible"),
        ("Por la acción", "En revisión"),
        ("Por la acción", "Pendiente"),
    ]
    assert [(c["brand"], c["fields"]) for c in _csv_rows(archive, "consents.csv")] == [
        ("Alpha", "Nombre, Usuario de TikTok"),
        ("Beta", "Dirección de correo"),
    ]
    assert {(m["brand"], m["field"]) for m in _csv_rows(archive, "merchants_received.csv")} == {
        ("Alpha", "Nombre"),
        ("Alpha", "Usuario de TikTok"),
        ("Beta", "Dirección de correo"),
    }


def test_the_export_e_mail_and_the_limit_give_times_in_the_persons_zone_and_name_it(
    client, both, settings, mailoutbox, django_capture_on_commit_callbacks
):
    zoe, _ = both
    zoe.language, zoe.time_zone = "es", "Europe/Berlin"
    zoe.save(update_fields=["language", "time_zone"])
    settings.PRIVACY_EXPORTS_PER_DAY = 1
    berlin = ZoneInfo("Europe/Berlin")

    _export(client, zoe, django_capture_on_commit_callbacks)
    refused = client.post(reverse("privacy:export"), follow=True).content.decode().replace("\xa0", " ")

    export = DataExport.objects.get(user=zoe)
    (ready,) = [m for m in mailoutbox if "/me/export/" in m.body]
    with translation.override("es"):
        until = formats.date_format(export.expires_at.astimezone(berlin), "DATETIME_FORMAT")
        next_one = formats.date_format(
            (export.requested_at + timedelta(days=1)).astimezone(berlin), "SHORT_DATETIME_FORMAT"
        )
    assert f"{until} Berlín (hora de Europa central)." in ready.body
    assert f"{next_one} Berlín (hora de Europa central)." in html.unescape(refused)
    assert "UTC" not in ready.body and "UTC" not in refused
