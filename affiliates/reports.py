"""Reports -> Performance as a page fragment or a CSV file, for the affiliate, the console and /ops/."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse

from affiliates import selectors
from affiliates.models import Affiliate, Program


def report_group(request: HttpRequest) -> str:
    group = request.GET.get("group", "day")
    return group if group in selectors.GROUPS else "day"


def report_context(request: HttpRequest, *, program: Program, affiliate: Affiliate | None = None) -> dict:
    report = selectors.performance(program=program, group=report_group(request), affiliate=affiliate)
    return {
        "report": report,
        "program": program,
        "groups": list(selectors.GROUP_LABELS.items()),
        "group_label": selectors.GROUP_LABELS[report["group"]],
    }


def report_csv(request: HttpRequest, *, program: Program, affiliate: Affiliate | None = None) -> HttpResponse:
    report = selectors.performance(program=program, group=report_group(request), affiliate=affiliate)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="performance-{program.pk}-{report["group"]}.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.CSV_HEADER)
    writer.writerows(selectors.performance_csv_rows(report))
    return response
