from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import services
from campaigns.models import UgcPolicy, UgcStatus, Video
from campaigns.selectors import ugc_is_approved
from campaigns.tests.conftest import NOW, tiny_mp4
from social.selectors import user_is_creator
from social.services import creator_status_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_video(merchant, owner, n: int):
    return services.video_add(
        merchant=merchant,
        actor=owner,
        title=f"Clip {n}",
        caption="Summer is here",
        hashtags="#acmesummer",
        tiktok_url=f"https://www.tiktok.com/@acme/video/{7000000000000000000 + n}",
    )


def test_the_library_holds_fifteen_videos_and_the_sixteenth_is_refused_with_a_message(merchant, owner):
    for n in range(15):
        add_video(merchant, owner, n)

    with pytest.raises(services.LibraryFull, match="15 videos, the maximum"):
        add_video(merchant, owner, 15)
    assert Video.objects.filter(merchant=merchant).count() == 15


def test_a_freed_slot_is_reused(merchant, owner):
    videos = [add_video(merchant, owner, n) for n in range(15)]
    services.video_delete(video=videos[3], actor=owner)

    assert add_video(merchant, owner, 99).slot == 4


def test_the_database_refuses_a_sixteenth_slot_and_a_slot_taken_twice(merchant, owner):
    video = add_video(merchant, owner, 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Video.objects.create(
            merchant=merchant, slot=16, title="x", tiktok_url="https://www.tiktok.com/@a/video/1"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Video.objects.create(
            merchant=merchant, slot=video.slot, title="x", tiktok_url="https://www.tiktok.com/@a/video/2"
        )


def test_an_uploaded_mp4_is_stored_with_the_storage_api(merchant, owner):
    video = services.video_add(merchant=merchant, actor=owner, title="Clip", file=tiny_mp4())

    assert video.file.storage.exists(video.file.name)
    assert video.file.name.endswith(".mp4")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("notes.txt", b"hello"), "Upload a video file"),
        (SimpleUploadedFile("fake.mp4", b"this is not a video at all, just text"), "not a real mp4 video"),
    ],
)
def test_a_file_that_is_not_a_video_is_refused(merchant, owner, upload, message):
    with pytest.raises(services.VideoInvalid, match=message):
        services.video_add(merchant=merchant, actor=owner, title="Clip", file=upload)


def test_a_video_above_the_size_limit_is_refused(merchant, owner, settings):
    settings.VIDEO_MAX_UPLOAD_MB = 1

    with pytest.raises(services.VideoInvalid, match="larger than 1 MB"):
        services.video_add(merchant=merchant, actor=owner, title="Clip", file=tiny_mp4(size=1024 * 1024 + 1))


def test_a_link_that_is_not_tiktok_is_refused(merchant, owner):
    with pytest.raises(services.VideoInvalid, match="TikTok URL"):
        services.video_add(
            merchant=merchant, actor=owner, title="Clip", tiktok_url="https://evil.example/video"
        )


# --- UGC ------------------------------------------------------------------------------------------


@pytest.fixture
def consumer(make_user):
    return make_user("fan@consumer.example")


def test_a_non_creator_cannot_submit_to_a_creators_only_campaign(merchant, make_campaign, consumer):
    campaign = make_campaign(merchant)

    with pytest.raises(services.UgcNotAllowed, match="creators only"):
        services.ugc_submit(campaign=campaign, user=consumer, file=tiny_mp4(), caption="Mine", now=NOW)


def test_any_consumer_may_submit_when_the_campaign_allows_all_users(merchant, make_campaign, consumer):
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)

    submission = services.ugc_submit(
        campaign=campaign, user=consumer, file=tiny_mp4(), caption="Mine", now=NOW
    )

    assert submission.status == UgcStatus.SUBMITTED


def test_the_ugc_lifecycle_with_a_resubmission(
    merchant, owner, make_campaign, consumer, django_capture_on_commit_callbacks
):
    campaign = make_campaign(merchant)
    creator_status_set(user=consumer, is_creator=True)
    assert user_is_creator(consumer)

    with django_capture_on_commit_callbacks(execute=True):
        submission = services.ugc_submit(
            campaign=campaign, user=consumer, file=tiny_mp4(), caption="v1", now=NOW
        )
    assert mail.outbox[-1].to == [owner.email]
    assert "review" in mail.outbox[-1].subject.lower()
    assert not ugc_is_approved(submission_id=submission.pk)

    with pytest.raises(services.CampaignInvalid):
        services.ugc_review(
            submission=submission, actor=owner, decision=UgcStatus.CHANGES_REQUESTED, reason=" ", now=NOW
        )
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.ugc_review(
            submission=submission,
            actor=owner,
            decision=UgcStatus.CHANGES_REQUESTED,
            reason="Show the logo",
            now=NOW,
        )
    assert mail.outbox[-1].to == [consumer.email]
    assert "Show the logo" in mail.outbox[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        submission = services.ugc_resubmit(
            submission=submission, user=consumer, caption="v2 with logo", now=NOW
        )
    assert (submission.status, submission.revision, submission.caption) == (
        UgcStatus.SUBMITTED,
        2,
        "v2 with logo",
    )
    assert mail.outbox[-1].to == [owner.email]

    submission = services.ugc_review(submission=submission, actor=owner, decision=UgcStatus.APPROVED, now=NOW)
    assert submission.status == UgcStatus.APPROVED
    assert ugc_is_approved(submission_id=submission.pk, user=consumer, campaign=campaign)


def test_a_rejection_needs_a_reason_and_is_final(merchant, owner, make_campaign, consumer):
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    submission = services.ugc_submit(campaign=campaign, user=consumer, file=tiny_mp4(), caption="v1", now=NOW)

    submission = services.ugc_review(
        submission=submission, actor=owner, decision=UgcStatus.REJECTED, reason="Off-brand", now=NOW
    )

    with pytest.raises(services.UgcWrongState):
        services.ugc_resubmit(submission=submission, user=consumer, caption="again", now=NOW)
    with pytest.raises(services.UgcWrongState):
        services.ugc_review(submission=submission, actor=owner, decision=UgcStatus.APPROVED, now=NOW)
    assert not ugc_is_approved(submission_id=submission.pk)


def test_only_the_author_resubmits(merchant, owner, make_campaign, consumer, make_user):
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    submission = services.ugc_submit(campaign=campaign, user=consumer, file=tiny_mp4(), caption="v1", now=NOW)
    services.ugc_review(
        submission=submission, actor=owner, decision=UgcStatus.CHANGES_REQUESTED, reason="x", now=NOW
    )

    with pytest.raises(services.UgcNotAllowed):
        services.ugc_resubmit(
            submission=submission, user=make_user("other@consumer.example"), caption="v2", now=NOW
        )


def test_another_merchants_member_cannot_review(merchant, make_merchant, make_campaign, consumer):
    campaign = make_campaign(merchant, ugc_policy=UgcPolicy.ALL_USERS)
    submission = services.ugc_submit(campaign=campaign, user=consumer, file=tiny_mp4(), caption="v1", now=NOW)
    stranger = make_merchant("other").memberships.get().user

    with pytest.raises(services.NotAllowed):
        services.ugc_review(submission=submission, actor=stranger, decision=UgcStatus.APPROVED, now=NOW)


@pytest.mark.django_db(transaction=True)
def test_two_uploads_racing_for_the_last_slot_leave_fifteen_videos(make_merchant):
    import threading

    from django.db import connection

    merchant = make_merchant("race")
    owner = merchant.memberships.get().user
    for n in range(14):
        add_video(merchant, owner, n)
    results, barrier = [], threading.Barrier(2, timeout=60)

    def upload(n):
        try:
            barrier.wait()
            add_video(merchant, owner, n)
            results.append("added")
        except services.LibraryFull:
            results.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(100 + i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["added", "full"]
    assert Video.objects.filter(merchant=merchant).count() == 15


def test_a_videos_file_can_be_replaced_by_a_tiktok_link_and_the_old_file_is_deleted(
    merchant, owner, django_capture_on_commit_callbacks
):
    video = services.video_add(merchant=merchant, actor=owner, title="Clip", file=tiny_mp4())
    stored, storage = video.file.name, video.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        services.video_update(
            video=video,
            actor=owner,
            changes={"file": None, "tiktok_url": "https://www.tiktok.com/@acme/video/5"},
        )

    video.refresh_from_db()
    assert not video.file and video.tiktok_url
    assert not storage.exists(stored)
    with pytest.raises(services.VideoInvalid):
        services.video_update(video=video, actor=owner, changes={"tiktok_url": ""})


def test_hashtags_and_mentions_typed_without_their_sign_are_stored_with_it(merchant, owner):
    video = services.video_add(
        merchant=merchant,
        actor=owner,
        title="Latte art",
        caption="Morning at Acme",
        hashtags="acmesummer, #joyback ##latte",
        mentions="acme.coffee",
        tiktok_url="https://www.tiktok.com/@acme/video/7300000000000000001",
    )

    assert (video.hashtags, video.mentions) == ("#acmesummer #joyback #latte", "@acme.coffee")
    updated = services.video_update(video=video, actor=owner, changes={"hashtags": "winter"})
    assert updated.hashtags == "#winter"


def test_every_caption_offered_on_the_brand_page_earns_in_every_live_share_campaign(
    client, merchant, owner, make_campaign
):
    from social.matching import caption_matches

    make_campaign(merchant, hashtag="acmesummer", starts_at=timezone.now() - timedelta(days=1), ends_at=None)
    make_campaign(
        merchant,
        name="Mentions",
        hashtag="",
        mention="acme.coffee",
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=None,
    )
    for title, hashtags in (("No tags", ""), ("Other tag", "#somethingelse")):
        services.video_add(
            merchant=merchant,
            actor=owner,
            title=title,
            caption="Try this",
            hashtags=hashtags,
            tiktok_url="https://www.tiktok.com/@acme/video/7300000000000000002",
        )

    page = client.get(f"/b/{merchant.slug}/")
    offered = page.context["videos"]

    assert len(offered) == 2
    for video in offered:
        assert video.offered_caption in page.content.decode()
        for campaign in page.context["campaigns"]:
            campaign = campaign["campaign"]
            assert caption_matches(
                video.offered_caption, hashtag=campaign.hashtag, mention=campaign.mention
            ), f"{video.offered_caption!r} would earn nothing in {campaign.name}"


def test_a_new_video_is_mailed_to_each_reviewer_in_their_language_with_the_campaign_name_in_it(
    merchant, owner, add_member, make_campaign, consumer, django_capture_on_commit_callbacks
):
    merchant.language = "de"
    merchant.save(update_fields=["language"])
    owner.language = ""  # no choice of their own: the merchant's language
    owner.save(update_fields=["language"])
    manager = add_member(merchant, "manager@acme.example")
    manager.language = "it"
    manager.save(update_fields=["language"])
    campaign = make_campaign(merchant, name="Winter warm-up JoyBack")
    services.campaign_texts_save(
        campaign=campaign, actor=owner, texts={"de": "Winter-Aufwärmen", "it": "Riscaldamento d'inverno"}
    )
    creator_status_set(user=consumer, is_creator=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.ugc_submit(campaign=campaign, user=consumer, file=tiny_mp4(), caption="v1", now=NOW)

    by_person = {tuple(m.to): m for m in mail.outbox}
    assert set(by_person) == {(owner.email,), (manager.email,)}  # one e-mail each, never both on one
    assert by_person[(owner.email,)].subject == "Neues Video zur Prüfung für Winter-Aufwärmen"
    assert "Winter-Aufwärmen" in by_person[(owner.email,)].body
    assert "Riscaldamento d'inverno" in by_person[(manager.email,)].subject
    assert "Winter warm-up" not in by_person[(manager.email,)].body
