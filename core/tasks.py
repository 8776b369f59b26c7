"""Side effects after a commit, in one place for every app.

A service that sends mail or a notification does it after its transaction
commits, and never in the request itself: ``after_commit`` queues a django-q2
task once the transaction commits (``on_commit(..., robust=True)``), so that an
SMTP server or broker that is down can't turn a request whose money already
moved into a 500. The task runs in the worker (or at once when the cluster is
configured ``sync``, as in tests), and a failure there is logged and retried
by the worker, not shown to the person.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django_q.models import Task
from django_q.tasks import async_task

from core.i18n import recipient_locale

logger = logging.getLogger(__name__)


def after_commit(func: str, *args, **kwargs) -> None:
    """Queue ``func`` (a dotted path) with ``args`` once the current transaction commits.

    Outside a transaction it is queued at once. Arguments are ids and plain values:
    the task reloads what it needs.
    """

    def enqueue() -> None:
        try:
            async_task(func, *args, **kwargs)
        except Exception:
            # The money already moved: a broker that can't take the task (or, when tasks run
            # synchronously, a task that failed) must not turn the request into an error.
            logger.exception("task %s failed or could not be queued after commit", func)

    transaction.on_commit(enqueue, robust=True)


def mail_after_commit(*, subject: str, message: str, recipient_list: list[str]) -> None:
    """Send a plain-text e-mail from the worker once the current transaction commits.

    Subject and message are turned into text now, in the language active here: build them
    inside ``core.i18n.recipient_locale(recipient)`` so they are in the recipient's language.
    """
    recipients = [address for address in recipient_list if address]
    if not recipients:
        return
    after_commit(
        "core.tasks.mail_send", subject=str(subject), message=str(message), recipient_list=recipients
    )


def mail_each_after_commit(*, recipients: Iterable[tuple[Any, str]], subject: Any, message: Any) -> None:
    """One e-mail to each ``(person, address)``, with subject and message written in that person's
    language and time zone (``core.i18n.recipient_locale``; ``None`` for an address without an
    account: English). ``subject`` and ``message`` are written once per recipient: lazy strings or
    ``core.i18n.LaterText`` (a text with its values), e.g. an alert to every operator."""
    for person, address in recipients:
        with recipient_locale(person):
            mail_after_commit(subject=str(subject), message=str(message), recipient_list=[address])


def mail_send(*, subject: str, message: str, recipient_list: list[str]) -> None:
    """The task behind ``mail_after_commit``."""
    send_mail(subject=subject, message=message, from_email=None, recipient_list=recipient_list)


def mails_sent_purge(*, before) -> int:
    """Retention: delete the task queue's record of e-mails sent before ``before`` (recipient and body)."""
    return Task.objects.filter(func="core.tasks.mail_send", stopped__lt=before).delete()[0]
