"""/me/export/: the person's data exports; /me/delete/: what deleting the account does, then the deletion."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from privacy.forms import DeleteAccountForm
from privacy.models import DataExport, ExportStatus
from privacy.selectors import data_exports_list, deletion_plan_get
from privacy.services import account_delete, data_export_request
from social.identity_digests import person_deleted_identity_kinds
from wallets.formats import money_text


@login_required
@require_http_methods(["GET", "POST"])
def data_export_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    if request.method == "POST":
        try:
            _export, created = data_export_request(user=request.user, now=now)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            if not created:
                messages.info(
                    request,
                    gettext("Your data is already being prepared: this page shows it when it is ready."),
                )
                return redirect("privacy:export")
            messages.success(
                request,
                gettext("We are preparing your data. This page shows it when it is ready and we e-mail you.")
                if request.user.email
                else gettext("We are preparing your data. This page shows it when it is ready."),
            )
        return redirect("privacy:export")
    return render(
        request, "privacy/export.html", {"exports": data_exports_list(user=request.user), "now": now}
    )


@login_required
@require_GET
def data_export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    """The ZIP, to the person who asked for it only, until the link expires."""
    export = get_object_or_404(DataExport, pk=export_id, user=request.user, status=ExportStatus.READY)
    if export.expires_at <= timezone.now():
        raise Http404(gettext("This export has expired. Ask for a new one."))
    response = HttpResponse(bytes(export.content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="tikjoy-data-{export.ready_at:%Y-%m-%d}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    error = ""
    if request.method == "POST":
        posted = DeleteAccountForm(request.POST)
        if posted.is_valid():
            try:
                result = account_delete(
                    user=request.user, confirmed=posted.cleaned_data["confirmed"], now=now
                )
            except DomainError as exc:
                error = str(exc)
            else:
                logout(request)
                messages.success(
                    request, gettext("Your account is deleted. Thank you for having been with TikJoy.")
                )
                # The last word on the money: no account and no e-mail address are left to tell them later.
                for amount in result.paid_out:
                    messages.info(
                        request,
                        gettext("Your payout of %(amount)s goes to your bank as usual.")
                        % {"amount": money_text(amount)},
                    )
                return redirect("home")
        else:
            error = " ".join(posted.errors.get("understood", [])) or gettext("Confirm the deletion below.")
    # Read after any attempt: the page states the money as it is now, and confirms that plan.
    plan = deletion_plan_get(user=request.user, now=now)
    form = DeleteAccountForm(initial={"confirmed": plan.fingerprint})
    keeps_tiktok, keeps_number = person_deleted_identity_kinds(user=request.user)
    return render(
        request,
        "privacy/delete.html",
        {
            "plan": plan,
            "form": form,
            "error": error,
            "sign_in_days": settings.PRIVACY_RETENTION_DAYS["rewarded_sign_ins"],
            # the identities whose fingerprint the deletion keeps, named as the person has them
            "keeps_tiktok": keeps_tiktok,
            "keeps_number": keeps_number,
        },
        status=400 if error else 200,
    )
