"""Consumer pages: download a library video, submit and resubmit a UGC video."""

from __future__ import annotations

import mimetypes
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns import services
from campaigns.forms import UgcResubmitForm, UgcSubmitForm
from campaigns.models import Campaign, UgcStatus, UgcSubmission, Video
from campaigns.selectors import ugc_can_submit


@require_GET
def video_download(request: HttpRequest, slug: str, slot: int) -> HttpResponse:
    """A library video as a file download (so consumers can post it themselves)."""
    video = get_object_or_404(Video.objects.select_related("merchant"), merchant__slug=slug, slot=slot)
    if not video.file:
        if video.tiktok_url:
            return redirect(video.tiktok_url)
        raise Http404(gettext("No such video."))
    try:
        handle = video.file.storage.open(video.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(gettext("This video file is missing.")) from exc
    filename = f"{slug}-{video.slot}{os.path.splitext(video.file.name)[1].lower()}"
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def _campaign(slug: str, campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("merchant"), pk=campaign_id, merchant__slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def ugc(request: HttpRequest, slug: str, campaign_id: int) -> HttpResponse:
    """Submit your own video to a campaign, and follow your submissions' reviews."""
    campaign = _campaign(slug, campaign_id)
    now = timezone.now()
    allowed, reason = ugc_can_submit(campaign=campaign, user=request.user, now=now)
    form = UgcSubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not allowed:
            messages.error(request, reason)
        elif form.is_valid():
            try:
                services.ugc_submit(
                    campaign=campaign,
                    user=request.user,
                    file=form.cleaned_data["file"],
                    caption=form.cleaned_data["caption"],
                    now=now,
                )
            except services.CampaignError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    gettext("Thanks! %(brand)s will review your video.")
                    % {"brand": campaign.merchant.brand_name},
                )
                return redirect("campaigns:ugc", slug=slug, campaign_id=campaign.pk)
    submissions = UgcSubmission.objects.filter(campaign=campaign, user=request.user).order_by(
        "-submitted_at", "-pk"
    )
    return render(
        request,
        "campaigns/ugc.html",
        {
            "merchant": campaign.merchant,
            "campaign": campaign,
            "form": form,
            "allowed": allowed,
            "reason": reason,
            "submissions": [
                (
                    s,
                    UgcResubmitForm(initial={"caption": s.caption})
                    if s.status == UgcStatus.CHANGES_REQUESTED
                    else None,
                )
                for s in submissions
            ],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def ugc_resubmit(request: HttpRequest, slug: str, campaign_id: int, submission_id: int) -> HttpResponse:
    campaign = _campaign(slug, campaign_id)
    submission = get_object_or_404(UgcSubmission, pk=submission_id, campaign=campaign, user=request.user)
    form = UgcResubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("campaigns:ugc", slug=slug, campaign_id=campaign.pk)
    try:
        services.ugc_resubmit(
            submission=submission,
            user=request.user,
            caption=form.cleaned_data["caption"],
            file=form.cleaned_data.get("file"),
            now=timezone.now(),
        )
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Resubmitted: it is waiting for review again."))
    return redirect("campaigns:ugc", slug=slug, campaign_id=campaign.pk)
