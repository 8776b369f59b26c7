"""Admin building blocks every app's ops and console pages use."""

import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A web address typed without its scheme is read as https, as every form of the site does it
# (``assume_scheme="https"``), and as Django 6 will by default (5.2 warns about the http it assumes).
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff see these rows but never add, change or delete them here (money and history)."""

    formfield_overrides = HTTPS_URL_FIELDS

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _SentTwice(Exception):
    """An add form's second sending (``AddedOnceMixin``): nothing of it is saved."""


_ONCE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_ONCE_PENDING, _ONCE_SAVED = "pending", "saved"


class AddedOnceMixin:
    """An add form saves once however often the same page sends it (a double click on *Save* that
    sends it twice, a slow network's resending). Each rendering carries a token (``_once``,
    ``templates/admin/change_form.html``). The first sending whose form is valid takes it in the
    shared cache ("pending") before its row is built, and marks it "saved" once its transaction has
    committed; a sending that saves nothing (its input or an inline's refused, a rule of the service
    refusing it) gives it back. A second sending of the same rendering waits for the first to end:
    when the first saved, it saves nothing and leads to the list, which shows that row, with a message
    saying so; when the first saved nothing, it is handled as the first (its own errors shown, or
    saved). A page fetched again (the back button: console pages are never cached) is a new rendering
    with a new token. (Django's admin saved one row per sending: two identical draft campaigns after a
    double click.)"""

    ONCE_FIELD = "_once"
    ONCE_TIMEOUT = 24 * 3600  # how long a saved page's token is remembered
    ONCE_PENDING_TIMEOUT = 120  # a sending that died mid-way (its process killed) frees its page after this
    ONCE_WAIT = 10.0  # seconds a second sending waits for the first to end

    def _once_token(self, request) -> str:
        """The token sent with the form, or "" (none, or not one this page makes: ignored)."""
        sent = request.POST.get(self.ONCE_FIELD, "") if request.method == "POST" else ""
        return sent if _ONCE_TOKEN.fullmatch(sent) else ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:  # the add form: the token of this rendering (the one sent, when shown again)
            token = self._once_token(request) or secrets.token_urlsafe(16)
            extra_context = {**(extra_context or {}), "added_once": token}
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
        except _SentTwice:
            self.message_user(
                request,
                gettext(
                    "This form was sent twice: the second sending was ignored. The list shows what the first "
                    "one saved."
                ),
                messages.WARNING,
            )
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
            )
        except Exception:
            # Nothing was saved (the admin's transaction is rolled back): the same form may be sent again.
            self._once_release(request)
            raise
        if "adminform" in (getattr(response, "context_data", None) or {}):
            # The form is shown again, nothing saved: its own fields were valid (``save_form`` took the
            # token) but an inline's were not; the corrected sending must be saved.
            self._once_release(request)
        return response

    @staticmethod
    def _once_release(request) -> None:
        claimed = getattr(request, "_added_once", None)
        if claimed:
            cache.delete(claimed)
            request._added_once = None

    def save_form(self, request, form, change):
        token = "" if change else self._once_token(request)
        if token:
            key = f"admin-added-once:{token}"
            deadline = time.monotonic() + self.ONCE_WAIT
            while not cache.add(key, _ONCE_PENDING, timeout=self.ONCE_PENDING_TIMEOUT):
                if cache.get(key) == _ONCE_SAVED or time.monotonic() > deadline:
                    raise _SentTwice
                time.sleep(0.1)  # the first sending of this page is still being saved: its outcome decides
            request._added_once = key
        return super().save_form(request, form, change)

    def log_addition(self, request, obj, message):
        """The row is saved (Django logs it last, once the inlines are saved too): the token is marked
        "saved" when the admin's transaction commits, and nothing is marked when it is rolled back."""
        key = getattr(request, "_added_once", None)
        if key:
            transaction.on_commit(lambda: cache.set(key, _ONCE_SAVED, timeout=self.ONCE_TIMEOUT))
        return super().log_addition(request, obj, message)


class ReasonForm(forms.Form):
    """What an ops action that needs a reason asks for (``templates/admin/reason.html``)."""

    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = help_text


def reason_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    title: str,
    objects: list,
    form: ReasonForm,
    cancel_url: str,
) -> TemplateResponse:
    """The shared page asking a reason before one object's ops action (reject, ban, lift a ban)."""
    return TemplateResponse(
        request,
        "admin/reason.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": objects,
            "opts": model_admin.model._meta,
            "cancel_url": cancel_url,
        },
    )


class TolerantAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, which re-renders a form sent back with a malformed id.

    Django's own filters the related table by the submitted value to show the choice, so
    ``user=abc`` raised ``ValueError`` (a 500) instead of "Select a valid choice". Values the
    related key can't hold are left out here; the form's own validation says what is wrong.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        valid = []
        for item in value:
            try:
                key.get_prep_value(key.to_python(item))
            except (ValidationError, ValueError, TypeError, OverflowError):
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class TolerantAutocompleteMixin:
    """A ModelAdmin whose ``autocomplete_fields`` use ``TolerantAutocompleteSelect``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = TolerantAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Lists at scale (the console's and /ops/'s change lists) -------------------------------------


class WindowPaginator(Paginator):
    """A paginator that counts only as far as it must: the rows up to ``ahead`` pages past the page
    asked for (``SELECT COUNT(*) FROM (... LIMIT n)``), never the whole list. Below that the count is
    exact (``count_is_exact``); above it the list says "more than" and offers the next pages.

    A million rows cost a million to count on every view; this costs at most the rows a page that
    far down would read anyway.
    """

    MAX_PAGE = 100_000

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page=None, ahead=10):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        try:
            # A page number typed by hand can be anything: past MAX_PAGE it is simply not found.
            self.asked = min(max(int(page), 1), self.MAX_PAGE)
        except (TypeError, ValueError):
            self.asked = 1
        self.ahead = ahead

    @cached_property
    def count(self) -> int:
        limit = (self.asked + self.ahead) * self.per_page + 1
        rows = self.object_list[:limit]
        counted = rows.count() if isinstance(rows, models.QuerySet) else len(rows)
        self._exact = counted < limit
        return min(counted, limit - 1)

    @property
    def count_is_exact(self) -> bool:
        return self.count is not None and self._exact

    def page(self, number):
        """The page, read in two steps when the list is a queryset: its ids first (the list's own
        table, in the order of its index, skipping the rows before the page there), then those rows
        with what they show (joins, related rows). A deep page never joins the rows it skips."""
        page = super().page(number)
        rows = page.object_list
        if isinstance(rows, models.QuerySet) and rows.query.is_sliced and not rows.query.distinct:
            ids = list(rows.values_list("pk", flat=True))
            full = self.object_list.all()
            page.object_list = full.filter(pk__in=ids)
        return page


class WindowChangeList(ChangeList):
    """A change list counted only as far as the pages offered (``WindowPaginator``) and sorted by one
    column with the id, in the same direction, as the tie-break: one index ``(column, id)`` (or
    ``(tenant, column, id)``) serves a column both ways, and no page is sorted in memory. Only the
    columns in the admin's ``sortable_by`` (the indexed ones) can be sorted, even by ``?o=`` typed by
    hand."""

    def _sortable(self, param: str) -> bool:
        try:
            name = self.list_display[int(param.rpartition("-")[2])]
        except (IndexError, ValueError):
            return False
        return self.sortable_by is None or name in self.sortable_by

    def get_ordering(self, request, queryset):
        asked = self.params.get(ORDER_VAR)
        if asked:
            kept = ".".join(p for p in str(asked).split(".") if self._sortable(p))
            self.params = {k: v for k, v in self.params.items() if k != ORDER_VAR}
            if kept:
                self.params[ORDER_VAR] = kept
        ordering = super().get_ordering(request, queryset)
        if not self.params.get(ORDER_VAR) or not ordering or not isinstance(ordering[0], str):
            return ordering
        first = ordering[0]
        if first.lstrip("-") in ("pk", self.lookup_opts.pk.name):
            return [first]
        return [first, "-pk" if first.startswith("-") else "pk"]

    def get_results(self, request):
        super().get_results(request)
        self.count_is_exact = getattr(self.paginator, "count_is_exact", True)
        if not self.count_is_exact:
            # The search form then says no "N results" (a number that would be wrong): the
            # pagination line says "more than N", and no "select all N" is offered.
            self.full_result_count = self.result_count


def action_checkbox_html(obj) -> str:
    """A row's checkbox for the list's actions: the HTML of Django's (``CheckboxInput`` through the
    form renderer), written at once: rendering the widget's templates for every row was 40 % of a
    page of 50 rows' CPU (``rewards/tests/test_console_at_scale.py`` compares the two)."""
    label = format_html(gettext("Select this object for an action - {}"), str(obj))
    return format_html(
        '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
        helpers.ACTION_CHECKBOX_NAME,
        str(obj.pk),
        label,
    )


@dataclass(frozen=True)
class SearchBy:
    """One way a list at scale is searched, each through an index (never ``ILIKE '%...%'`` over a
    join):

    - ``how="exact"``: the term, as ``normalize`` gives it back, equals ``lookup`` (an id, a
      reference, an e-mail address, an IBAN's keyed hash); ``normalize`` returns ``None`` when the
      term can't be one (a word is no id), and that way is skipped;
    - ``how="prefix"``: ``lookup`` starts with the term (an e-mail address typed in part: a btree
      ``LIKE 'term%'``, Django's ``_like`` index);
    - ``how="contains"``: ``lookup`` contains the term, case-insensitively (names: a trigram index on
      ``UPPER(column)``, three characters at least).

    A lookup through a foreign key (``requested_by__email``) is answered on the related table first
    (at most ``RELATED_CAP`` rows), then the list's rows by that key's index.
    """

    lookup: str
    how: str = "exact"
    normalize: Callable[[str], Any] | None = None

    RELATED_CAP = 1000

    def value(self, term: str):
        if self.normalize is not None:
            return self.normalize(term)
        if self.how == "contains" and (len(term) < 3 or "@" in term):
            return None  # a trigram index needs three characters; an e-mail address is no name
        return term


def digits(term: str) -> int | None:
    """The term as a row id (``#123`` too), or ``None``."""
    text = term.strip().lstrip("#")
    if text.isascii() and text.isdigit() and len(text) < 19:
        return int(text)
    return None


def name_part(term: str) -> str | None:
    """Part of a person's name (three characters at least, for the trigram index), or ``None`` for
    a term that is no name: an e-mail address (an ``@``), or a word with digits (a reference, an
    IBAN, an id: their own ways find them)."""
    text = term.strip()
    if len(text) < 3 or "@" in text or (" " not in text and any(ch.isdigit() for ch in text)):
        return None
    return text


def email_start(term: str) -> str | None:
    """An e-mail address, or its start up to its ``@`` at least ("anna.k@"), in lower case as
    ``accounts`` stores them, or ``None``: a shorter start would match too many people to be a
    search."""
    text = term.strip().lower()
    return text if "@" in text and " " not in text and not text.startswith("@") else None


def _condition(model, lookup: str, how: str, value) -> Q:
    operator = {"exact": "", "prefix": "__startswith", "contains": "__icontains"}[how]
    first, _sep, rest = lookup.partition("__")
    if rest:
        field = model._meta.get_field(first)
        if field.is_relation and field.concrete and (field.many_to_one or field.one_to_one):
            related = field.related_model
            ids = list(
                related._default_manager.filter(_condition(related, rest, how, value))
                .order_by()
                .values_list("pk", flat=True)[: SearchBy.RELATED_CAP]
            )
            return Q(**{f"{first}_id__in": ids})
    return Q(**{f"{lookup}{operator}": value})


def search_at_scale(queryset: models.QuerySet, term: str, ways: Iterable[SearchBy]) -> models.QuerySet:
    """``queryset`` filtered to the rows any of ``ways`` finds for the whole term (not word by word)."""
    term = " ".join(term.split())
    if not term:
        return queryset
    found = Q()
    for way in ways:
        value = way.value(term)
        if value is None or value == "":
            continue
        found |= _condition(queryset.model, way.lookup, way.how, value)
    if not found:
        return queryset.none()
    return queryset.filter(found)


class ListAtScaleMixin:
    """A ModelAdmin whose change list stays fast over millions of rows: never counted whole
    (``show_full_result_count = False``, ``WindowPaginator``, no facets), 50 rows a page read in two
    steps, sorted only by the indexed columns (``sortable_by``), the row checkboxes written at once,
    and searched by ``search_by`` (``SearchBy``: exact, prefix, trigram) when it is set.

    ``templates/admin/pagination.html`` says "More than N" when the count stopped short, and
    ``templates/admin/actions.html`` then offers no "select all N".
    """

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    search_by: tuple[SearchBy, ...] = ()
    # As the console's lists: rendering a row (Django formats each cell) costs more than reading it.
    list_per_page = 50

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return WindowPaginator(
            queryset, per_page, orphans, allow_empty_first_page, page=request.GET.get(PAGE_VAR)
        )

    def get_changelist(self, request, **kwargs):
        return WindowChangeList

    def action_checkbox(self, obj):
        return action_checkbox_html(obj)

    def get_search_results(self, request, queryset, search_term):
        if not self.search_by:
            return super().get_search_results(request, queryset, search_term)
        return search_at_scale(queryset, search_term, self.search_by), False
