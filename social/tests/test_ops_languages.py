"""The ops pages of tracked TikTok posts in the ops person's language: field names, help texts,
the snapshots' columns and the post's state (issue #23)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
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
