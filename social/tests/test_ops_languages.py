"""The ops pages of tracked TikTok posts in the ops person's language: field names, help texts,
the snapshots' columns and the post's state (issue #23)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from accounts.services import user_locale_set
from social.models import TrackedPost
from social.services import EngagementCounts, engagement_snapshots_record
from tikjoy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The words an English ops page shows for these fields: none may be left in another language.
ENGLISH = [
    "TikTok video id",
    "Share criterion",
    "Tracked until",
    "Latest snapshot at",
    "Views at its latest snapshot.",
    "The share criterion it matched.",
    "Views added",
    "Tracked TikTok post",
]


@pytest.fixture
def tracked(make_consumer):
    now = timezone.now()
    post = TrackedPost.objects.create(
        video_id="7300000000000000001",
        user=make_consumer("Ana"),
        caption="Morning espresso #pasta",
        posted_at=now - timedelta(days=1),
        criterion_key="pasta-share",
        track_until=now + timedelta(days=14),
    )
    engagement_snapshots_record(
        counts={post.pk: EngagementCounts(views=1200, likes=40, comments=3, shares=2)}, taken_at=now
    )
    ops = UserFactory(email="ops@tikjoy.example", is_staff=True, is_superuser=True)
    return post, ops


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "de",
            [
                "TikTok-Video-ID",
                "Share-Kriterium",
                "Verfolgt bis",
                "Aufrufe",
                "Neue Aufrufe",
                'readonly">aktiv<',
            ],
        ),
        ("it", ["Id del video TikTok", "Criterio di condivisione", "Seguito fino al", "Visualizzazioni"]),
        (
            "fr",
            ["Identifiant de la vidéo TikTok", "Critère de partage", "Suivie jusqu\u2019au", "Vues ajoutées"],
        ),
        ("es", ["Id del vídeo de TikTok", "Criterio de compartido", "Seguido hasta el", "Visualizaciones"]),
    ],
)
def test_a_tracked_posts_ops_page_is_in_the_ops_persons_language(client, tracked, language, words):
    post, ops = tracked
    user_locale_set(user=ops, language=language)
    client.force_login(ops)

    change = unescape(client.get(f"/ops/social/trackedpost/{post.pk}/change/").content.decode())
    listing = unescape(client.get("/ops/social/trackedpost/").content.decode())

    for word in words:
        assert word in change, f"{language}: {word!r} not on the change page"
    for english in ENGLISH:
        assert english not in change, f"{language}: {english!r} left in English"
    assert "TikTok video id" not in listing and "Share criterion" not in listing


def test_in_english_the_ops_page_says_what_the_fields_are(client, tracked):
    post, ops = tracked
    user_locale_set(user=ops, language="en")
    client.force_login(ops)

    change = unescape(client.get(f"/ops/social/trackedpost/{post.pk}/change/").content.decode())

    for english in ("TikTok video id", "Share criterion", "Tracked until", "Views at its latest snapshot."):
        assert english in change


@pytest.mark.parametrize(
    ("language", "person"), [("de", "Person"), ("it", "Persona"), ("fr", "Personne"), ("es", "Persona")]
)
def test_the_sign_in_accounts_name_their_person_in_the_ops_persons_language(
    client, make_consumer, language, person
):
    account = SocialAccount.objects.create(user=make_consumer("Ana"), provider="tiktok", uid="open-1")
    ops = UserFactory(email="ops@tikjoy.example", is_staff=True, is_superuser=True)
    user_locale_set(user=ops, language=language)
    client.force_login(ops)

    listing = unescape(client.get("/ops/socialaccount/socialaccount/").content.decode())
    change = unescape(client.get(f"/ops/socialaccount/socialaccount/{account.pk}/change/").content.decode())

    assert re.search(
        rf'class="sortable column-person">\s*<div class="text"><a href="[^"]*">{person}</a>', listing
    )
    assert ">Ana</a>" in listing or ">Ana<" in listing
    assert f'<label class="required" for="id_user">{person}:</label>' in change.replace("\xa0:", ":")
    assert "column-user" not in listing
