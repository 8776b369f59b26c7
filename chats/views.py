"""The consumer's switch for marketing messages (on /me/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chats.forms import MarketingForm
from chats.models import MarketingOptOut
from chats.services import marketing_opt_out_set


@login_required
@require_POST
def marketing(request: HttpRequest) -> HttpResponse:
    form = MarketingForm(request.POST)
    allowed = form.is_valid() and form.cleaned_data["marketing"]
    marketing_opt_out_set(
        user=request.user, opted_out=not allowed, source=MarketingOptOut.Source.TOGGLE, now=timezone.now()
    )
    if allowed:
        messages.success(
            request, _("Brands you share your number with may send you offers on WhatsApp again.")
        )
    else:
        messages.success(request, _("No brand will send you offers on WhatsApp any more."))
    return redirect("social:me")
