"""Reports -> Performance as a page fragment or a CSV file, for the affiliate, the console and /ops/."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from affiliates import selectors
from affiliates.models import Affiliate, Program


def report_group(request: HttpRequest) -> str:
    group = request.GET.get("group", "day")
    return group if group in selectors.GROUPS else "day"


# Rows a page shows (the CSV has them all): a program's links number in the thousands, and each row
# writes thirteen figures in the reader's language (docs/benchmarks.md, "affiliate report by link").
PAGE_ROWS = 100


def report_context(request: HttpRequest, *, program: Program, affiliate: Affiliate | None = None) -> dict:
    """The report and the page of its rows asked for (``?page=``); days and months open on their
    latest page, links and sub-ids on their first. The totals are the whole report's."""
    report = selectors.performance(program=program, group=report_group(request), affiliate=affiliate)
    paginator = Paginator(report["rows"], PAGE_ROWS)
    latest_first = report["group"] in {"day", "month"}
    page = paginator.get_page(request.GET.get("page") or (paginator.num_pages if latest_first else 1))
    return {
        "report": report,
        "rows": page.object_list,
        "page": page,
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
