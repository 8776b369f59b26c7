"""/me/delete/: what deleting the account does to the person's money, then the deletion itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from privacy.forms import DeleteAccountForm
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete


@login_required
@require_http_methods(["GET", "POST"])
def account_delete_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    error = ""
    if request.method == "POST":
        posted = DeleteAccountForm(request.POST)
        if posted.is_valid():
            try:
                account_delete(user=request.user, confirmed=posted.cleaned_data["confirmed"], now=now)
            except DomainError as exc:
                error = str(exc)
            else:
                logout(request)
                messages.success(request, "Your account is deleted. Thank you for having been with TikJoy.")
                return redirect("home")
        else:
            error = " ".join(posted.errors.get("understood", [])) or "Confirm the deletion below."
    # Read after any attempt: the page states the money as it is now, and confirms that plan.
    plan = deletion_plan_get(user=request.user, now=now)
    form = DeleteAccountForm(initial={"confirmed": plan.fingerprint})
    return render(
        request,
        "privacy/delete.html",
        {"plan": plan, "form": form, "error": error},
        status=400 if error else 200,
    )
