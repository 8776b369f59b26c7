"""Every write of support: a request sent, a reply either way, ops' status and assignment, erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.models import User
from core.errors import DomainError, EditConflict
from core.i18n import LaterText, recipient_locale, supported_language
from core.tasks import mail_after_commit, mail_each_after_commit
from merchants.models import Merchant
from payouts.models import Payout
from rewards.models import Reward
from support.models import (
    BODY_MAX,
    PAGE_MAX,
    SUBJECT_MAX,
    Author,
    RequestStatus,
    SupportMessage,
    SupportRequest,
    Topic,
)
from support.selectors import support_request_person_address
from support.tokens import request_token
from wallets.formats import number_text


class SupportError(DomainError):
    """A support request or reply that can't be taken, in words for the person."""


class DuplicateRequest(SupportError):
    """The same person sent the same words a moment ago (Back, then Send again): ``existing`` is that request."""

    def __init__(self, existing: SupportRequest):
        self.existing = existing
        super().__init__(_("You already sent this request: #%(id)s") % {"id": existing.pk})


# A request identical to one the same person sent within this time is refused (they go to the first one).
DUPLICATE_WINDOW = timedelta(minutes=30)


def _same_words(text: str) -> str:
    return " ".join(text.split())


def _identical_recent(
    *, user: User | None, email: str, topic: str, subject: str, body: str, now: datetime
) -> SupportRequest | None:
    """The person's request of the last 30 minutes with the same topic, subject and first message
    (whitespace aside), if any."""
    recent = SupportRequest.objects.filter(topic=topic, created_at__gte=now - DUPLICATE_WINDOW)
    recent = recent.filter(user=user) if user is not None else recent.filter(user=None, email__iexact=email)
    wanted = (_same_words(subject), _same_words(body))
    for candidate in recent.order_by("created_at", "pk"):
        first = candidate.messages.filter(author_kind=Author.PERSON).order_by("created_at", "pk").first()
        if first is not None and (_same_words(candidate.subject), _same_words(first.body)) == wanted:
            return candidate
    return None


@dataclass(frozen=True)
class Context:
    """What a request carries besides the person's words (chosen from the person's own records)."""

    page: str = ""
    merchant: Merchant | None = None
    reward: Reward | None = None
    payout: Payout | None = None
    recent_errors: tuple = ()


def _clean_text(text: str, *, limit: int, empty: str, too_long: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise SupportError(empty)
    if len(text) > limit:
        raise SupportError(too_long % {"limit": number_text(limit), "count": number_text(len(text))})
    return text


def _clean_body(text: str) -> str:
    return _clean_text(
        text,
        limit=BODY_MAX,
        empty=_("Write your message."),
        too_long=_("The message can have at most %(limit)s characters (it has %(count)s)."),
    )


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def request_url(support_request: SupportRequest) -> str:
    """Where the person reads and answers the conversation: their page, or a private link for a visitor."""
    if support_request.user_id:
        return _site(reverse("support:request", args=[support_request.pk]))
    return _site(
        reverse("support:request_by_link", args=[support_request.pk, request_token(support_request)])
    )


def _ops_recipients(support_request: SupportRequest) -> list[tuple[User | None, str]]:
    """Who hears of a request: its assignee, else ``SUPPORT_OPS_EMAILS``, else every active staff member."""
    if support_request.assigned_to_id and support_request.assigned_to.email:
        return [(support_request.assigned_to, support_request.assigned_to.email)]
    if settings.SUPPORT_OPS_EMAILS:
        return [(None, address) for address in settings.SUPPORT_OPS_EMAILS]
    staff = (
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email=None).exclude(email="")
    )
    return [(member, member.email) for member in staff.order_by("pk")]


def _mail_ops(support_request: SupportRequest, *, subject_text, message_text, **values) -> None:
    """One e-mail per ops member, in their own language (the texts are lazy strings with placeholders)."""
    mail_each_after_commit(
        recipients=_ops_recipients(support_request),
        subject=LaterText(subject_text, **values),
        message=LaterText(message_text, **values, link=_ops_link(support_request)),
    )


def _ops_link(support_request: SupportRequest) -> str:
    return _site(reverse("admin:support_supportrequest_change", args=[support_request.pk]))


# Requests a visitor (not signed in) may send from one e-mail address in 24 hours.
VISITOR_REQUESTS_PER_DAY = 3


def support_request_create(
    *,
    user: User | None,
    email: str,
    topic: str,
    subject: str,
    body: str,
    context: Context,
    submission_key: str,
    language: str,
    now: datetime,
) -> SupportRequest:
    """Open a request with its first message. The same ``submission_key`` (a double click, a
    resent form) returns the request it already made, once, never a second one. The same words
    sent again by the same person within ``DUPLICATE_WINDOW`` under a new key (Back, then Send:
    the browser keeps the text, the page brings a new key) raise ``DuplicateRequest``."""
    subject = _clean_text(
        " ".join(str(subject or "").split()),  # one line: it goes into e-mail subjects
        limit=SUBJECT_MAX,
        empty=_("Say in a few words what it is about."),
        too_long=_("The subject can have at most %(limit)s characters (it has %(count)s)."),
    )
    body = _clean_body(body)
    if topic not in Topic.values:
        raise SupportError(_("Choose what it is about from the list."))
    if user is None and not email:
        raise SupportError(_("Give an e-mail address so that we can answer you."))
    if not submission_key or len(submission_key) > 64:
        raise SupportError(_("This form has expired. Reload the page and send it again."))
    already = SupportRequest.objects.filter(submission_key=submission_key).first()
    if already is not None:
        if already.user_id != (user.pk if user else None):
            raise SupportError(_("This form has expired. Reload the page and send it again."))
        return already  # the same form sent again (a double click)
    duplicate = _identical_recent(user=user, email=email, topic=topic, subject=subject, body=body, now=now)
    if duplicate is not None:
        if duplicate.submission_key == submission_key:
            return duplicate  # the other of two clicks at once committed it since the check above
        raise DuplicateRequest(duplicate)
    if user is not None:
        _check_context_is_the_persons(user=user, context=context)
    elif context.reward or context.payout:  # a visitor's merchant is the brand page they came from
        raise SupportError(_("Sign in to ask about one of your rewards or payouts."))
    elif (
        SupportRequest.objects.filter(
            user=None, email__iexact=email, created_at__gte=now - timedelta(hours=24)
        ).count()
        >= VISITOR_REQUESTS_PER_DAY
        and not SupportRequest.objects.filter(submission_key=submission_key).exists()  # a resend
    ):
        # The visitor form mails the address typed in: a limit per address keeps it from being used
        # to flood someone else's inbox (a double click is the same submission_key, not counted).
        raise SupportError(
            _(
                "We already have %(count)s requests from this address today: we'll answer them, "
                "please wait for our reply."
            )
            % {"count": VISITOR_REQUESTS_PER_DAY}
        )
    try:
        with transaction.atomic(durable=True):
            support_request = SupportRequest.objects.create(
                user=user,
                email="" if user is not None and user.email else email,
                topic=topic,
                subject=subject,
                page=context.page[:PAGE_MAX],
                merchant=context.merchant,
                reward=context.reward,
                payout=context.payout,
                recent_errors=list(context.recent_errors),
                submission_key=submission_key,
                language=supported_language(language) or "",
                created_at=now,
                last_message_at=now,
                waiting_since=now,
            )
            SupportMessage.objects.create(
                request=support_request, author_kind=Author.PERSON, author=user, body=body, created_at=now
            )
            _notify_ops_of_new(support_request, body=body)
            _confirm_to_person(support_request)
    except IntegrityError:
        existing = SupportRequest.objects.filter(submission_key=submission_key).first()
        if existing is None or existing.user_id != (user.pk if user else None):
            raise SupportError(_("This form has expired. Reload the page and send it again.")) from None
        return existing
    return support_request


def _check_context_is_the_persons(*, user: User, context: Context) -> None:
    """Tenant isolation in the service too: a reward, payout or merchant is attached only when it is the person's."""
    if context.reward is not None and context.reward.user_id != user.pk:
        raise SupportError(_("Choose one of your own rewards."))
    if context.payout is not None and context.payout.requested_by_id != user.pk:
        raise SupportError(_("Choose one of your own payouts."))
    if context.merchant is not None and not context.merchant.memberships.filter(user=user).exists():
        raise SupportError(_("Choose one of your own brands."))


def _notify_ops_of_new(support_request: SupportRequest, *, body: str) -> None:
    _mail_ops(
        support_request,
        subject_text=gettext_lazy("[TikJoy support #%(id)s] %(subject)s"),
        message_text=gettext_lazy(
            "A new support request (%(topic)s):\n\n%(body)s\n\nAnswer it in ops: %(link)s"
        ),
        id=support_request.pk,
        subject=support_request.subject,
        topic=Topic(support_request.topic).label,  # lazy: in each ops member's language, like the text
        body=body,
    )


def person_language(support_request: SupportRequest) -> str:
    """The person's saved language, else the one they wrote in."""
    return supported_language(getattr(support_request.user, "language", "")) or support_request.language


def _confirm_to_person(support_request: SupportRequest) -> None:
    """The person's confirmation, in their language; a merchant's or an affiliate's request formally
    (``SupportRequest.formal``)."""
    formal = support_request.formal
    with translation.override(person_language(support_request) or settings.LANGUAGE_CODE):
        mail_after_commit(
            # The number, never the visitor's own words: an address typed by someone else gets no
            # text of theirs from TikJoy's domain. "[TikJoy] " first, as allauth's e-mails carry it
            # (the one prefix: ACCOUNT_EMAIL_SUBJECT_PREFIX).
            subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
            + (
                pgettext("to a merchant", "We received your request #%(id)s")
                if formal
                else _("We received your request #%(id)s")
            )
            % {"id": support_request.pk},
            message=(
                pgettext(
                    "to a merchant",
                    "Thanks for writing to TikJoy support. We answer requests in the order they arrive, "
                    "here by e-mail and on the site.\n\nYour request and our answers: %(url)s",
                )
                if formal
                else _(
                    "Thanks for writing to TikJoy support. We answer requests in the order they arrive, "
                    "here by e-mail and on the site.\n\nYour request and our answers: %(url)s"
                )
            )
            % {"url": request_url(support_request)},
            recipient_list=[support_request_person_address(support_request)],
        )


def _lock(request_id: int) -> SupportRequest:
    return (
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("user", "assigned_to")
        .get(pk=request_id)
    )


def support_reply_by_person(
    *, support_request: SupportRequest, user: User | None, body: str, submission_key: str, now: datetime
) -> SupportMessage:
    """The person writes again (a closed request opens again). One message per form, however often sent."""
    body = _clean_body(body)
    if not submission_key or len(submission_key) > 64:
        raise SupportError(_("This form has expired. Reload the page and send it again."))
    try:
        with transaction.atomic(durable=True):
            locked = _lock(support_request.pk)
            if locked.user_id and (user is None or user.pk != locked.user_id):
                raise SupportError(_("This request is not yours."))
            message = SupportMessage.objects.create(
                request=locked,
                author_kind=Author.PERSON,
                author=user,
                body=body,
                submission_key=submission_key,
                created_at=now,
            )
            SupportRequest.objects.filter(pk=locked.pk).update(
                status=RequestStatus.OPEN,
                closed_at=None,
                last_message_at=now,
                waiting_since=locked.waiting_since or now,
                edit_version=F("edit_version") + 1,
            )
            _mail_ops(
                locked,
                subject_text=gettext_lazy("[TikJoy support #%(id)s] Re: %(subject)s"),
                message_text=gettext_lazy("The person wrote again:\n\n%(body)s\n\nAnswer in ops: %(link)s"),
                id=locked.pk,
                subject=locked.subject,
                body=body,
            )
    except IntegrityError:
        existing = SupportMessage.objects.filter(
            submission_key=submission_key, request=support_request
        ).first()
        if existing is None:
            raise SupportError(_("This form has expired. Reload the page and send it again.")) from None
        return existing
    return message


def support_request_ops_update(
    *,
    support_request: SupportRequest,
    actor: User,
    edit_version: int,
    status: str,
    assigned_to: User | None,
    reply: str,
    internal: bool,
    now: datetime,
) -> SupportRequest:
    """Ops answer, note, assign or change the status, in one go. A reply to the person sets the
    first-response time once and waits for the person (unless ops close it at the same time)."""
    if status not in RequestStatus.values:
        raise SupportError(_("Choose a status from the list."))
    if assigned_to is not None and not (assigned_to.is_staff and assigned_to.is_active):
        raise SupportError(_("Assign the request to an active ops member."))
    reply = (reply or "").replace("\x00", "").strip()
    if len(reply) > BODY_MAX:
        raise SupportError(
            _("The answer can have at most %(limit)s characters (it has %(count)s).")
            % {"limit": number_text(BODY_MAX), "count": number_text(len(reply))}
        )
    with transaction.atomic(durable=True):
        locked = _lock(support_request.pk)
        if locked.edit_version != edit_version:
            raise EditConflict()
        fields = {"assigned_to": assigned_to, "edit_version": locked.edit_version + 1}
        if reply:
            SupportMessage.objects.create(
                request=locked,
                author_kind=Author.OPS,
                author=actor,
                body=reply,
                internal=internal,
                created_at=now,
            )
        if reply and not internal:
            fields["last_message_at"] = now
            fields["waiting_since"] = None
            if locked.first_response_at is None:
                fields["first_response_at"] = now
            if status == locked.status == RequestStatus.OPEN:
                status = RequestStatus.WAITING
        fields["status"] = status
        if status == RequestStatus.CLOSED:
            fields["closed_at"] = locked.closed_at or now
            fields["waiting_since"] = None
        else:
            fields["closed_at"] = None
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(fields))
        if reply and not internal:
            _tell_person_of_answer(locked, reply=reply)
        if (
            assigned_to is not None
            and assigned_to.pk != support_request.assigned_to_id
            and assigned_to.pk != actor.pk
        ):
            with recipient_locale(assigned_to):
                mail_after_commit(
                    subject=_("[TikJoy support #%(id)s] assigned to you: %(subject)s")
                    % {"id": locked.pk, "subject": locked.subject},
                    message=_("%(actor)s assigned this request to you: %(link)s")
                    % {"actor": actor, "link": _ops_link(locked)},
                    recipient_list=[assigned_to.email or ""],
                )
    return locked


def _tell_person_of_answer(support_request: SupportRequest, *, reply: str) -> None:
    with translation.override(person_language(support_request) or settings.LANGUAGE_CODE):
        mail_after_commit(
            subject=_("TikJoy support answered: %(subject)s") % {"subject": support_request.subject},
            message=(
                pgettext(
                    "to a merchant",
                    "%(answer)s\n\n---\nTo answer, open your request (replies to this e-mail are not read): %(url)s",
                )
                if support_request.formal
                else _(
                    "%(answer)s\n\n---\nTo answer, open your request (replies to this e-mail are not read): %(url)s"
                )
            )
            % {"answer": reply, "url": request_url(support_request)},
            recipient_list=[support_request_person_address(support_request)],
        )


def support_erase_for_person(*, user: User) -> dict[str, int]:
    """Account deletion: the person's own words and the context they attached are erased; ops'
    messages and internal notes stay (what TikJoy answered and decided is its own record), and the
    request remains as "deleted person" with its dates, for the first-response figures."""
    requests = SupportRequest.objects.filter(user=user)
    messages = SupportMessage.objects.filter(request__user=user, author_kind=Author.PERSON).exclude(
        body="[erased: account deleted]"
    )
    erased_messages = messages.update(body="[erased: account deleted]")
    erased_requests = requests.update(
        email="",
        subject="[erased: account deleted]",
        page="",
        recent_errors=[],
        reward=None,
        payout=None,
        merchant=None,
    )
    return {"support_requests": erased_requests, "support_messages": erased_messages}
