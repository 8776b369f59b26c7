"""The console's Diagnostics pages (``/console/diagnostics/...``), registered on ``console_site``.

- ``diagnostics/``: find a consumer (by what they shared with the brand) and pick a campaign;
- ``diagnostics/consumers/<ref>/``: "Why didn't this consumer get a reward?";
- ``diagnostics/campaigns/<id>/``: "Why isn't my campaign paying?".

Every member may run them (``Capability.VIEW``); another merchant's consumer or campaign is a 404.
The reads are in ``support.diagnostics``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.console_site import console_render, console_site, console_view
from merchants.roles import Capability
from merchants.tenancy import console_membership
from support import diagnostics
from support.diagnostics import DiagnosisNotFound


@console_view(Capability.VIEW)
def diagnostics_index(request: HttpRequest) -> HttpResponse:
    merchant = console_membership(request).merchant
    query = request.GET.get("q", "")
    searched = bool(query.strip())
    found = diagnostics.consumer_search(merchant=merchant, query=query) if searched else []
    return console_render(
        request,
        "support/diagnostics.html",
        {
            "title": _("Diagnostics"),
            "query": query[: diagnostics.SEARCH_MAX],
            "searched": searched,
            "found": found,
            "campaigns": diagnostics.campaign_list(merchant=merchant),
        },
    )


@console_view(Capability.VIEW)
def diagnostics_consumer(request: HttpRequest, ref: int) -> HttpResponse:
    merchant = console_membership(request).merchant
    try:
        diagnosis = diagnostics.consumer_diagnosis(merchant=merchant, ref=ref, now=timezone.now())
    except DiagnosisNotFound:
        raise Http404(_("No such consumer of your brand.")) from None
    return console_render(
        request,
        "support/diagnostics_consumer.html",
        {
            "title": _("Why didn't %(person)s get a reward?") % {"person": diagnosis.person.label},
            "diagnosis": diagnosis,
        },
    )


@console_view(Capability.VIEW)
def diagnostics_campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    merchant = console_membership(request).merchant
    try:
        diagnosis = diagnostics.campaign_diagnosis(
            merchant=merchant, campaign_id=campaign_id, now=timezone.now()
        )
    except DiagnosisNotFound:
        raise Http404(_("No such campaign of your brand.")) from None
    return console_render(
        request,
        "support/diagnostics_campaign.html",
        {
            "title": _("Why isn't “%(campaign)s” paying?") % {"campaign": diagnosis.campaign.name_read},
            "diagnosis": diagnosis,
        },
    )


console_site.register_url("diagnostics/", diagnostics_index, name="diagnostics")
console_site.register_url(
    "diagnostics/consumers/<int:ref>/", diagnostics_consumer, name="diagnostics_consumer"
)
console_site.register_url(
    "diagnostics/campaigns/<int:campaign_id>/", diagnostics_campaign, name="diagnostics_campaign"
)
