"""Reports -> Performance as a page fragment or a CSV file, for the affiliate, the console and /ops/."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import pgettext

from affiliates import selectors
from affiliates.models import Affiliate, Program
from core.spreadsheets import download_name, sheet_text


def report_group(request: HttpRequest) -> str:
    group = request.GET.get("group", "day")
    return group if group in selectors.GROUPS else "day"


# Rows a page shows (the CSV has them all): a program's links number in the thousands, and each row
# writes fourteen figures in the reader's language (docs/benchmarks.md, "affiliate report by link").
PAGE_ROWS = 100


def report_context(request: HttpRequest, *, program: Program, affiliate: Affiliate | None = None) -> dict:
    """The report and the page of its rows asked for (``?page=``), each page in the report's order.
    Links and sub-ids are paged from the first; days and months from the latest (page 1: the latest
    ``PAGE_ROWS`` days, a full page; page 2 the ones before), so the report opens on what happened
    lately. The totals are the whole report's."""
    report = selectors.performance(program=program, group=report_group(request), affiliate=affiliate)
    rows = report["rows"]
    latest_first = report["group"] in {"day", "month"}
    paginator = Paginator(rows[::-1] if latest_first else rows, PAGE_ROWS)
    page = paginator.get_page(request.GET.get("page"))
    shown = list(page.object_list)
    count = paginator.count
    if latest_first:
        shown.reverse()
        pager = {
            "first": count - page.end_index() + 1,
            "last": count - page.start_index() + 1,
            "before": page.next_page_number() if page.has_next() else None,
            "after": page.previous_page_number() if page.has_previous() else None,
        }
    else:
        pager = {
            "first": page.start_index(),
            "last": page.end_index(),
            "before": page.previous_page_number() if page.has_previous() else None,
            "after": page.next_page_number() if page.has_next() else None,
        }
    return {
        "report": report,
        "rows": shown,
        "pager": {**pager, "count": count, "pages": paginator.num_pages},
        "program": program,
        "groups": list(selectors.GROUP_LABELS.items()),
        "group_label": selectors.GROUP_LABELS[report["group"]],
    }


def report_csv(request: HttpRequest, *, program: Program, affiliate: Affiliate | None = None) -> HttpResponse:
    """The report as the page shows it, for a spreadsheet in the reader's language
    (``core.spreadsheets``): its table's heads, counts and amounts as numbers."""
    report = selectors.performance(program=program, group=report_group(request), affiliate=affiliate)
    header = selectors.performance_csv_header(
        group_label=str(selectors.GROUP_LABELS[report["group"]]), currency=program.currency
    )
    response = HttpResponse(
        sheet_text(header, selectors.performance_csv_rows(report)), content_type="text/csv; charset=utf-8"
    )
    filename = download_name(
        pgettext("file name", "affiliate performance"),
        program.merchant.slug if program.merchant_id else "tikjoy",
        report["group"],
        day=timezone.localdate(),
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
