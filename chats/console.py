"""The console's Inbox (``/console/chats/``): conversations with consumers over WhatsApp.

Members who may chat (``Capability.CHAT``: owners and managers) read the conversations of the
selected merchant, start one with a consumer who shares their WhatsApp number, and send free
replies in the 24-hour window or approved templates (charged from the wallet). People are shown
through ``people_seen_by_merchant`` only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from moneyed import Money

from chats import selectors
from chats.forms import SendForm, StartForm
from chats.models import ChatRate, Direction
from chats.services import ChatRefused, ChatSendFailed, chat_send, thread_open, thread_read, window_open
from chats.template_languages import template_language_for, template_language_name, template_translation
from merchants.console_site import console_render, console_site, console_view
from merchants.roles import Capability
from merchants.selectors import person_seen_by_merchant, wallet_balance
from merchants.tenancy import console_can, console_membership
from social.whatsapp import whatsapp_template_language
from wallets.formats import money_text


@console_view(Capability.CHAT)
def inbox(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    now = timezone.now()
    return console_render(
        request,
        "chats/inbox.html",
        {
            "title": _("Inbox"),
            "rows": selectors.inbox_rows(merchant=merchant, now=now),
            "people": selectors.people_to_message(merchant=merchant),
            "unread": selectors.unread_total(merchant=merchant),
        },
    )


@console_view(Capability.CHAT)
def start(request: HttpRequest) -> HttpResponse:
    """POST: open (or reopen) the conversation with a consenting consumer."""
    if request.method != "POST":
        return redirect("console:chats_inbox")
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pick a person to write to."))
        return redirect("console:chats_inbox")
    merchant = console_membership(request).merchant
    try:
        thread = thread_open(merchant=merchant, user_id=form.cleaned_data["person"], now=timezone.now())
    except ChatRefused as exc:
        messages.error(request, str(exc))
        return redirect("console:chats_inbox")
    return redirect("console:chats_thread", thread_id=thread.pk)


def _price_list(merchant) -> list[str]:
    rates = ChatRate.objects.filter(currency=merchant.currency).order_by("category", "country")
    return [str(rate) for rate in rates]  # "Marketing template, IT: €0.06" in the reader's language


def _sent_language(message, consumer_language: str) -> str:
    """Which translation of the template went, when the consumer's had none approved."""
    if message.template is None:
        return ""
    went = template_language_name(message.template.language)
    if message.template.language == consumer_language:
        return " " + _("The consumer received it in %(language)s.") % {"language": went}
    return " " + _(
        "The consumer received it in %(language)s: this template has no approved translation in "
        "%(consumer_language)s."
    ) % {"language": went, "consumer_language": template_language_name(consumer_language)}


def _previews(form: SendForm, *, merchant, language: str) -> list[tuple[str, str, str]]:
    """Each template in the picker as the consumer will read it: (title, language, text)."""
    previews = []
    for choice in form.fields["template"].queryset:
        sent = template_translation(name=choice.name, language=language)
        if sent is not None:
            text = sent.render(brand=merchant.brand_name, text="…")
            previews.append((choice.title, template_language_name(sent.language), text))
    return previews


@console_view(Capability.CHAT)
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """GET: the conversation (read: its unread count goes to zero); POST: send a message."""
    merchant = console_membership(request).merchant
    current = selectors.thread_get(merchant=merchant, thread_id=thread_id)
    if current is None:
        raise Http404(_("No such conversation in this merchant."))
    now = timezone.now()
    form = SendForm(request.POST or None, language=whatsapp_template_language(get_language()))
    consumer_language = template_language_for(user=current.user, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        try:
            message = chat_send(
                thread_id=current.pk,
                merchant=merchant,
                actor=request.user,
                text=form.cleaned_data["text"],
                template_id=template.pk if template else None,
                now=now,
                send_key=form.cleaned_data["send_key"] or "",
            )
        except ChatSendFailed as exc:
            messages.error(request, str(exc))
            return redirect("console:chats_thread", thread_id=current.pk)
        except ChatRefused as exc:
            form.add_error(None, str(exc))
        else:
            charged = (
                " "
                + _("%(price)s was taken from your wallet.")
                % {"price": money_text(Money(message.price, message.currency))}
                if message.price > 0
                else " " + _("It was free.")
            )
            messages.success(request, _("Sent.") + _sent_language(message, consumer_language) + charged)
            return redirect("console:chats_thread", thread_id=current.pk)
    thread_read(thread=current)
    return console_render(
        request,
        "chats/thread.html",
        {
            "title": _("Conversation with %(name)s")
            % {"name": person_seen_by_merchant(user=current.user, merchant=merchant).label},
            "thread": current,
            "chat_messages": selectors.thread_messages(thread=current),
            "form": form,
            "window_open": window_open(current, now=now),
            "opted_out": selectors.marketing_opted_out(user_id=current.user_id),
            "balance": money_text(wallet_balance(merchant=merchant)),
            "prices": _price_list(merchant),
            "previews": _previews(form, merchant=merchant, language=consumer_language),
            "can_see_wallet": console_can(request, Capability.VIEW),
            "IN": Direction.IN,
        },
    )


def _inbox_figures(merchant, now) -> dict:
    return {"unread": selectors.unread_total_expression(merchant=merchant)}


def _inbox_panel(request: HttpRequest, membership, *, figures: dict) -> dict:
    if not console_can(request, Capability.CHAT):
        return {"show": False}
    return {"show": True, "unread": figures["unread"]}


console_site.register_url("chats/", inbox, name="chats_inbox")
console_site.register_url("chats/start/", start, name="chats_start")
console_site.register_url("chats/<int:thread_id>/", thread, name="chats_thread")
console_site.register_panel(
    key="chats", order=35, template="chats/panel.html", context=_inbox_panel, figures=_inbox_figures
)
