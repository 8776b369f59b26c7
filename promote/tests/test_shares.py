"""A merchant promotes a consumer's verified share, with the consumer's authorization; the
consumer is told and sees the results."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.models import AuthorizationStatus, PromoteOrder, ShareAuthorization
from promote.tests.conftest import own_post
from rewards.models import SocialAction
from tikjoy.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def verified_share(merchant, user):
    post = own_post(user)
    now = timezone.now()
    SocialAction.objects.create(
        key=f"share:{post.video_id}",
        user=user,
        merchant=merchant,
        action_type="SHARE_VIDEO",
        tracked_post=post,
        occurred_at=now,
        created_at=now,
    )
    return post


def share_request(post) -> services.OrderRequest:
    return services.OrderRequest(
        kind="VIDEO",
        goal="VIEWS",
        budget_coins=500,
        duration_days=1,
        commercial_music_declared=True,
        tracked_post_id=post.pk,
    )


def test_a_merchant_promotes_a_share_only_once_the_consumer_agreed(
    client, make_merchant, django_capture_on_commit_callbacks
):
    joy = make_merchant("joy", funds="50.00")
    owner = joy.created_by
    zoe = UserFactory(email="zoe@example.com")
    post = verified_share(joy, zoe)
    services.coins_buy_from_wallet(
        holder=joy, coins_count=1000, currency="EUR", actor=owner, now=timezone.now()
    )

    with pytest.raises(services.NotEligible, match="once they have agreed"):
        services.order_place(holder=joy, request=share_request(post), actor=owner, now=timezone.now())

    client.login(email=owner.email, password=PASSWORD)
    page = client.get(reverse("console:promote_shares")).content.decode()
    assert post.video_id in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("console:promote_shares"), {"post": post.pk})
    authorization = ShareAuthorization.objects.get()
    assert authorization.status == AuthorizationStatus.REQUESTED
    assert "would like to promote your TikTok post" in mail.outbox[-1].subject

    client.force_login(zoe)
    page = client.get(reverse("promote:home")).content.decode()
    assert "Brands asking to promote your posts" in page
    client.post(reverse("promote:authorization_decide", args=[authorization.pk]), {"decision": "grant"})
    authorization.refresh_from_db()
    assert authorization.status == AuthorizationStatus.GRANTED

    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_place(holder=joy, request=share_request(post), actor=owner, now=timezone.now())
    assert "is promoting your TikTok post" in mail.outbox[-1].subject
    page = client.get(reverse("promote:home")).content.decode()
    assert f"promotion #{order.pk}" in page
    assert client.get(reverse("promote:shared_order", args=[order.pk])).status_code == 200

    # Once an order used the agreement, it can't be taken back.
    with pytest.raises(services.PromoteError, match="already promoted"):
        services.share_authorization_decide(
            authorization_id=authorization.pk, user=zoe, grant=False, now=timezone.now()
        )


def test_only_verified_shares_of_the_merchant_can_be_asked_about(make_merchant, make_consumer):
    joy = make_merchant("joy")
    other = make_merchant("other")
    zoe = make_consumer("Zoe")
    someone_elses = verified_share(other, zoe)
    with pytest.raises(services.PromoteError, match="not a verified, public share"):
        services.share_authorization_request(
            merchant=joy, tracked_post_id=someone_elses.pk, actor=joy.created_by, now=timezone.now()
        )


def test_someone_else_cant_answer_or_see_it(client, make_merchant, make_consumer):
    joy = make_merchant("joy")
    zoe, bob = make_consumer("Zoe"), make_consumer("Bob")
    post = verified_share(joy, zoe)
    authorization = services.share_authorization_request(
        merchant=joy, tracked_post_id=post.pk, actor=joy.created_by, now=timezone.now()
    )
    client.force_login(bob)
    client.post(reverse("promote:authorization_decide", args=[authorization.pk]), {"decision": "grant"})
    authorization.refresh_from_db()
    assert authorization.status == AuthorizationStatus.REQUESTED
    assert not PromoteOrder.objects.exists()


# The console's shares page: the latest 200 shares read newest first through the merchant's
# actions, whatever their number (pinned: a query a row, or every share read, fails here).
SHARES_PAGE_QUERIES = 5


def test_the_shares_page_lists_the_latest_public_shares_in_the_same_queries(client, make_merchant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from promote import selectors
    from social.models import TrackedPost

    joy, other = make_merchant("joy", funds="50.00"), make_merchant("other")
    fans = [UserFactory(email=f"fan{n}@example.com") for n in range(6)]
    first = verified_share(joy, fans[0])
    gone = verified_share(joy, fans[1])
    TrackedPost.objects.filter(pk=gone.pk).update(status=TrackedPost.Status.GONE, gone_at=timezone.now())
    theirs = verified_share(other, fans[2])
    services.share_authorization_request(
        merchant=joy, tracked_post_id=first.pk, actor=joy.created_by, now=timezone.now()
    )
    client.force_login(joy.created_by)
    url = reverse("console:promote_shares")
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    more = [verified_share(joy, fan) for fan in fans[3:]]
    with CaptureQueriesContext(connection) as four:
        client.get(url)

    assert len(one.captured_queries) == len(four.captured_queries) == SHARES_PAGE_QUERIES
    assert first.video_id in page and "Asked, waiting for the consumer" in page  # a status column: a label
    assert gone.video_id not in page and theirs.video_id not in page
    assert [p.pk for p in selectors.shares_latest(merchant=joy, limit=2)] == [more[-1].pk, more[-2].pk]
