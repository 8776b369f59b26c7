"""The /ops/ pages tikjoy composes: a person's page (ban, lift the ban, history, shared devices)
and the diagnostics page (the ledger and rewards checks, the task queue's health)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.signing import SignedPackage

from campaigns.models import ActionType
from rewards.models import Ban, BanEvent, BanEventKind, Reward, RewardStatus
from rewards.services import action_record
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def cheat(make_merchant, make_campaign, make_consumer, ops):
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    make_campaign(merchant, now=NOW)
    person, twin = make_consumer("Carl Cheat"), make_consumer("Tina Twin")
    for user in (twin, person):
        action_record(
            user=user, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="d1"
        )
    return person


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_person_page_shows_ban_button_and_who_shares_the_device(ops_client, cheat):
    twin = type(cheat).objects.get(display_name="Tina Twin")

    body = ops_client.get(f"/ops/accounts/user/{cheat.pk}/change/").content.decode()

    assert "Not banned." in body
    assert f'href="/ops/accounts/user/{cheat.pk}/ban/">Ban this person…</a>' in body
    assert f'href="/ops/accounts/user/{twin.pk}/change/">Tina Twin</a>' in body


def test_ban_then_lift_the_ban_with_reasons_kept_in_the_history(ops_client, cheat, ops):
    ask = ops_client.get(f"/ops/accounts/user/{cheat.pk}/ban/")
    assert "Banning reverses the person" in ask.content.decode()

    banned = ops_client.post(f"/ops/accounts/user/{cheat.pk}/ban/", {"reason": "Account farm."}, follow=True)
    assert f"{cheat} is banned; their pending and held rewards were reversed." in _messages(banned)
    assert Ban.objects.get(user=cheat).reason == "Account farm."
    assert not Reward.objects.filter(user=cheat).exclude(status=RewardStatus.REVERSED).exists()
    body = banned.content.decode()
    assert "Account farm." in body and "Lift the ban…" in body

    twice = ops_client.post(f"/ops/accounts/user/{cheat.pk}/ban/", {"reason": "Again."}, follow=True)
    assert f"Nothing changed: {cheat} is already banned." in _messages(twice)

    refused = ops_client.post(f"/ops/accounts/user/{cheat.pk}/unban/", {"reason": ""})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert Ban.objects.filter(user=cheat).exists()

    lifted = ops_client.post(
        f"/ops/accounts/user/{cheat.pk}/unban/", {"reason": "Siblings, checked by phone."}, follow=True
    )
    assert f"The ban of {cheat} is lifted." in _messages(lifted)
    assert not Ban.objects.filter(user=cheat).exists()
    assert list(
        BanEvent.objects.filter(user=cheat).order_by("pk").values_list("kind", "reason", "actor")
    ) == [
        (BanEventKind.BANNED, "Account farm.", ops.pk),
        (BanEventKind.LIFTED, "Siblings, checked by phone.", ops.pk),
    ]
    page = lifted.content.decode()
    assert "Not banned." in page and "Ban lifted" in page and "Siblings, checked by phone." in page

    again = ops_client.post(f"/ops/accounts/user/{cheat.pk}/unban/", {"reason": "Twice."}, follow=True)
    assert any(m.startswith("Nothing changed:") and "is not banned" in m for m in _messages(again))
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_lifted_ban_lets_the_person_earn_again(ops_client, cheat, make_merchant, make_campaign, ops):
    ops_client.post(f"/ops/accounts/user/{cheat.pk}/ban/", {"reason": "Account farm."})
    other = make_merchant("other", funds="100.00", ops=ops)
    make_campaign(other, now=NOW)
    blocked = action_record(user=cheat, merchant=other, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    assert not blocked.rewards.exists()

    ops_client.post(f"/ops/accounts/user/{cheat.pk}/unban/", {"reason": "Mistake."})
    third = make_merchant("third", funds="100.00", ops=ops)
    make_campaign(third, now=NOW)
    paid = action_record(user=cheat, merchant=third, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    assert paid.rewards.get().status in (RewardStatus.PENDING, RewardStatus.HELD)


def test_the_ban_list_lifts_bans_with_a_reason(ops_client, cheat):
    ops_client.post(f"/ops/accounts/user/{cheat.pk}/ban/", {"reason": "Account farm."})
    ban = Ban.objects.get(user=cheat)

    ops_client.post(
        "/ops/rewards/ban/",
        {"action": "lift", "_selected_action": [ban.pk], "apply": "1", "reason": "Appeal accepted."},
    )

    assert not Ban.objects.filter(user=cheat).exists()
    assert BanEvent.objects.filter(user=cheat, kind=BanEventKind.LIFTED, reason="Appeal accepted.").exists()


def test_banning_needs_the_review_permission(client, make_user, cheat):
    clerk = make_user("clerk@tikjoy.example", is_staff=True)
    client.force_login(clerk)

    assert client.post(f"/ops/accounts/user/{cheat.pk}/ban/", {"reason": "x"}).status_code == 403
    assert not Ban.objects.filter(user=cheat).exists()


# --- diagnostics -------------------------------------------------------------------------------


def test_diagnostics_is_for_staff_only(client, make_user, make_consumer):
    assert client.get("/ops/diagnostics/").status_code == 302  # to the ops sign-in
    client.force_login(make_consumer("Nora"))
    assert client.get("/ops/diagnostics/")["Location"].startswith("/ops/login/")


def test_diagnostics_runs_both_checks_and_says_they_hold(ops_client, cheat):
    body = ops_client.get("/ops/diagnostics/").content.decode()

    assert body.count("All invariants hold.") == 2
    assert "manage.py ledger_check" in body and "manage.py rewards_check" in body
    assert f"{Reward.objects.count()} rewards checked" in body


def test_diagnostics_shows_rewards_that_disagree_with_the_ledger(ops_client, cheat):
    reward = Reward.objects.filter(user=cheat).first()
    # What a bug writing around the services would do (the ledger itself is append-only).
    Reward.objects.filter(pk=reward.pk).update(status=RewardStatus.CONFIRMED)

    body = ops_client.get("/ops/diagnostics/").content.decode()

    assert body.count("All invariants hold.") == 1  # the ledger itself still balances
    assert "violation" in body
    assert f"reward {reward.pk} is CONFIRMED but its ledger transactions are" in body


def test_diagnostics_shows_queue_health(ops_client):
    now = timezone.now()
    broker = get_broker()
    queued_at = now - timedelta(minutes=42)
    broker.enqueue(SignedPackage.dumps({"id": "t1", "name": "waiting", "func": "x.y", "started": queued_at}))
    Task.objects.create(
        id="f1",
        name="broken-sync",
        func="social.tasks.sync",
        started=now - timedelta(hours=1),
        stopped=now - timedelta(hours=1),
        success=False,
        result="ConnectionError: TikTok did not answer",
    )
    Task.objects.create(
        id="f0",
        name="old",
        func="x",
        started=now - timedelta(days=3),
        stopped=now - timedelta(days=3),
        success=False,
    )
    schedule = Schedule.objects.create(name="nightly-thing", func="rewards.tasks.settle", next_run=now)
    Task.objects.create(
        id="s1",
        name="ok",
        func="rewards.tasks.settle",
        group="nightly-thing",
        started=now - timedelta(hours=5),
        stopped=now - timedelta(hours=5),
        success=True,
    )
    Task.objects.create(
        id="s2",
        name="bad",
        func="rewards.tasks.settle",
        group="nightly-thing",
        started=now - timedelta(hours=2),
        stopped=now - timedelta(hours=2),
        success=False,
    )
    Schedule.objects.filter(pk=schedule.pk).update(task="s2")

    body = ops_client.get("/ops/diagnostics/").content.decode()

    assert '<th scope="row">Tasks waiting</th><td>1</td>' in body
    assert f"queued {queued_at:%Y-%m-%d %H:%M:%S} UTC, waiting for 42\xa0minutes" in body
    assert '<th scope="row">Failures in the last 24 hours</th><td>2</td>' in body
    assert "ConnectionError: TikTok did not answer" in body
    assert "nightly-thing" in body
    assert f"{now - timedelta(hours=2):%Y-%m-%d %H:%M:%S} UTC <strong>(failed)</strong>" in body
    assert f"{now - timedelta(hours=5):%Y-%m-%d %H:%M:%S} UTC</td>" in body


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "it",
            (
                "Premi confrontati con la contabilità",
                "0 premi controllati",
                "fatturazione: emettere il mese di ogni merchant quando è terminato nel suo fuso orario",
            ),
        ),
        (
            "fr",
            (
                "Récompenses comparées au grand livre",
                "0 récompense vérifiée",
                "facturation : émettre le mois de chaque commerçant une fois terminé dans son fuseau horaire",
            ),
        ),
    ],
)
def test_diagnostics_speak_the_readers_language_schedules_included(ops_client, language, words):
    stored = "billing: issue each merchant's month once it has ended in its time zone"
    Schedule.objects.update_or_create(name=stored, defaults={"func": "billing.tasks.billing_run_due"})

    body = html.unescape(ops_client.get("/ops/diagnostics/", HTTP_ACCEPT_LANGUAGE=language).content.decode())

    for word in words:
        assert word.replace("\xa0", " ") in body.replace("\xa0", " "), word
    for english in ("Rewards against the ledger", "rewards checked", " accounts, ", stored):
        assert english not in body, english
    assert Schedule.objects.get(func="billing.tasks.billing_run_due").name == stored  # kept as stored


def test_the_ledger_figures_are_counted_in_words_of_the_readers_language(ops_client, cheat):
    body = ops_client.get("/ops/diagnostics/", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert re.search(r"\d+ conti, \d+ transazioni, \d+ scritture", body)


def test_the_ops_user_pages_have_no_english_left_by_djangos_italian(ops_client):
    add = ops_client.get("/ops/accounts/user/add/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    script = ops_client.get("/ops/jsi18n/", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert "Dopo aver creato l\u2019utente si possono modificare le altre opzioni." in html.unescape(add)
    assert "After you" not in add
    assert "Scegli tutto (%s)" in script and "Per scegliere %s, selezionarli" in script


def test_the_admin_scripts_spanish_is_ours_not_djangos_garbled_one(ops_client):
    script = ops_client.get("/ops/jsi18n/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Nota: su hora va %s hora por detr\\u00e1s de la del servidor." in script  # JSON-escaped á
    assert "Usted esta a" not in script and "click para limpiar" not in script


def test_permissions_are_named_in_the_readers_language(ops_client, ops):
    person = html.unescape(
        ops_client.get(f"/ops/accounts/user/{ops.pk}/change/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    )
    group = html.unescape(ops_client.get("/ops/auth/group/add/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())

    assert "Può aggiungere “giorno del link”" in person
    assert "Peut ajouter «\xa0jour du lien\xa0»" in group
    for page in (person, group):
        assert "Can add link day" not in page


def test_a_persons_page_names_its_sections_in_the_readers_language(ops_client, ops):
    page = ops_client.get(f"/ops/accounts/user/{ops.pk}/change/", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    headings = re.findall(r'<h2 id="[^"]*-heading" class="fieldset-heading">([^<]+)</h2>', page)
    assert headings == ["Profilo", "Permessi", "Date"]


def test_the_ops_home_links_to_diagnostics(ops_client):
    assert 'href="/ops/diagnostics/"' in ops_client.get("/ops/").content.decode()


def test_a_malformed_person_in_an_autocomplete_field_is_refused_in_words(ops_client):
    response = ops_client.post(
        "/ops/social/creatorstatus/add/", {"user": "<b>", "is_creator": "on", "_save": "Save"}
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("it", ("Attività fallite", "Attività in coda", "Attività pianificate", "Attività riuscite")),
        ("es", ("Tareas fallidas", "Tareas en cola", "Tareas programadas", "Tareas completadas")),
        (
            "de",
            (
                "Fehlgeschlagene Aufgaben",
                "Eingereihte Aufgaben",
                "Geplante Aufgaben",
                "Erfolgreiche Aufgaben",
            ),
        ),
        ("fr", ("Tâches échouées", "Tâches en file d'attente", "Tâches planifiées", "Tâches réussies")),
    ],
)
def test_the_ops_index_names_the_task_queue_in_the_readers_language(ops_client, language, names):
    page = ops_client.get("/ops/", HTTP_ACCEPT_LANGUAGE=language).content.decode().replace("&#x27;", "'")

    for name in names:
        assert name in page, name
    for english in ("Failed tasks", "Queued tasks", "Scheduled tasks", "Successful tasks"):
        assert english not in page, english


def test_the_failed_tasks_list_names_its_columns_in_italian(ops_client):
    moment = datetime(2026, 11, 29, 19, 57, tzinfo=UTC)
    Task.objects.create(
        id="f1", name="broken-sync", func="x.y", started=moment, stopped=moment, success=False
    )

    page = ops_client.get("/ops/django_q/failure/", HTTP_ACCEPT_LANGUAGE="it").content.decode()

    for italian in ("Gruppo", "Iniziata il", "Terminata il", "Risultato (breve)"):
        assert italian in page, italian
    for english in ("Started at", "Stopped at", "Short result"):
        assert english not in page, english


def test_an_ops_list_shows_times_in_utc_and_says_so_whatever_the_browsers_zone(ops_client):
    stopped = datetime(2026, 11, 29, 19, 57, tzinfo=UTC)
    Task.objects.create(
        id="f1", name="broken-sync", func="x.y", started=stopped, stopped=stopped, success=False
    )
    ops_client.cookies["tikjoy_tz"] = "Europe/Berlin"  # 20:57 there

    page = ops_client.get("/ops/django_q/failure/").content.decode()

    assert "19:57" in page
    assert "20:57" not in page
    assert "Times in UTC" in page


def test_the_french_ops_home_puts_a_no_break_space_before_the_colon(ops_client):
    page = html.unescape(ops_client.get("/ops/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())

    assert "Diagnostic</a>\u00a0: les contrôles du grand livre" in page
    assert "</a> :" not in page
