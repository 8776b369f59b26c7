"""Support requests in /ops/: the conversation, its context, one form to answer, note, assign and
set the status (through ``support_request_ops_update``), and the first-response time measured
against ``SUPPORT_RESPONSE_TARGET_HOURS`` (list column and the "Response time" filter)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.http import HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language_info, gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, EditConflict
from core.i18n import utc_text
from support.models import BODY_MAX, RequestStatus, SupportRequest
from support.selectors import support_request_person_address
from support.services import person_language, support_request_ops_update


def _target() -> timedelta:
    return timedelta(hours=settings.SUPPORT_RESPONSE_TARGET_HOURS)


def _duration(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return gettext("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)s min") % {"minutes": minutes}


class ResponseTimeFilter(admin.SimpleListFilter):
    title = _("response time")
    parameter_name = "response"

    def lookups(self, request, model_admin):
        return (
            ("overdue", _("Overdue: the person waits longer than the target")),
            ("waiting", _("The person waits for us")),
            ("late", _("First answer came late")),
            ("on_time", _("First answer within the target")),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "overdue":
            return queryset.filter(status=RequestStatus.OPEN, waiting_since__lt=now - _target())
        if value == "waiting":
            return queryset.filter(status=RequestStatus.OPEN)
        answered = queryset.filter(first_response_at__isnull=False)
        if value == "late":
            return answered.filter(first_response_at__gt=_answer_due())
        if value == "on_time":
            return answered.filter(first_response_at__lte=_answer_due())
        return queryset


def _answer_due():
    """When the first answer was due: the request's creation plus the target."""
    return ExpressionWrapper(F("created_at") + _target(), output_field=DateTimeField())


# The statuses as ops read them (the person's labels speak to the person: "Answered: waiting for you").
OPS_STATUS = {
    RequestStatus.OPEN: _("Open: our turn"),
    RequestStatus.WAITING: _("Waiting for the person"),
    RequestStatus.CLOSED: _("Closed"),
}


class OpsStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(OPS_STATUS.items())

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() in OPS_STATUS else queryset


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return (("me", _("Me")), ("nobody", _("Nobody")))

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


def answer_delivery(support_request: SupportRequest, *, before: bool) -> str:
    """How an answer reaches the person, as it is (the reply field's help) or as it went (after it):
    by e-mail when they have an address; otherwise only on their request page, and nothing tells
    them (support sends no WhatsApp or other message)."""
    address = support_request_person_address(support_request)
    if address and before:
        return gettext(
            "Sent to the person by e-mail (%(address)s) and shown on their request page, unless it is an "
            "internal note."
        ) % {"address": address}
    if address:
        return gettext("Answer sent by e-mail to %(address)s and shown on the person's request page.") % {
            "address": address
        }
    if before:
        return gettext(
            "The person has no e-mail address: an answer is only shown on their request page, and nothing "
            "tells them of it. They see it when they open their support requests. Internal notes are never "
            "shown."
        )
    return gettext(
        "Answer shown on the person's request page. They have no e-mail address, so they were not told of "
        "it: they see it when they open their support requests."
    )


class SupportRequestOpsForm(forms.ModelForm):
    reply = forms.CharField(
        label=_("Answer"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
    )
    internal = forms.BooleanField(label=_("Internal note (the person never sees it)"), required=False)
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SupportRequest
        fields = ("status", "assigned_to")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = list(OPS_STATUS.items())
        self.fields["assigned_to"].widget = forms.Select()
        self.fields["assigned_to"].queryset = get_user_model().objects.filter(is_staff=True, is_active=True)
        if self.instance.pk:
            self.fields["edit_version"].initial = self.instance.edit_version
            self.fields["reply"].help_text = answer_delivery(self.instance, before=True)

    def clean(self):
        cleaned = super().clean()
        current = (
            SupportRequest.objects.filter(pk=self.instance.pk).values_list("edit_version", flat=True).first()
        )
        if cleaned.get("edit_version") != current:
            raise forms.ValidationError(
                gettext(
                    "The person wrote again or a colleague changed this request since you opened it. Nothing was "
                    "saved: read the conversation below and answer again."
                )
            )
        if cleaned.get("internal") and not (cleaned.get("reply") or "").strip():
            self.add_error("reply", gettext("Write the note."))
        return cleaned


def _language_name(code: str) -> str:
    """A language by its own name as the language switcher writes it ("Deutsch", "Italiano":
    settings.LANGUAGES), Django's for another one, "not known" for none."""
    if not code:
        return gettext("not known")
    shipped = dict(settings.LANGUAGES)
    if code in shipped:
        return shipped[code]
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


def _language_rows(obj: SupportRequest) -> list[tuple[str, str]]:
    """The language the request was written in (recorded when it was made), and the person's own
    language now when it is another one (what our e-mails to them are written in)."""
    rows = [(gettext("Language of the request"), _language_name(obj.language))]
    now = person_language(obj)
    if now and now != obj.language:
        rows.append((gettext("Language of the person now"), _language_name(now)))
    return rows


@admin.register(SupportRequest)
class SupportRequestOpsAdmin(admin.ModelAdmin):
    form = SupportRequestOpsForm
    # Its times are UTC, as every ops list (tikjoy.middleware.OpsInUtcMiddleware; the header says so).
    list_display = (
        "number",
        "subject",
        "person",
        "ops_status",
        "assigned_to",
        "first_response",
        "created_at",
    )
    list_display_links = ("number", "subject")
    list_filter = (ResponseTimeFilter, OpsStatusFilter, AssignedFilter, "topic")
    search_fields = ("=pk", "subject", "email", "user__email", "user__display_name", "messages__body")
    list_select_related = ("user", "assigned_to")
    ordering = ("-waiting_since", "-created_at")
    readonly_fields = ("person", "context", "first_response", "conversation")
    fieldsets = (
        (None, {"fields": ("person", "context", "first_response", "conversation")}),
        (
            _("Answer, status and assignment"),
            {"fields": ("reply", "internal", "status", "assigned_to", "edit_version")},
        ),
    )

    def get_search_results(self, request, queryset, search_term):
        queryset, _duplicates = super().get_search_results(request, queryset, search_term.replace("\x00", ""))
        return queryset.distinct(), False

    def has_add_permission(self, request):
        return False  # requests come from people, through the site

    def has_delete_permission(self, request, obj=None):
        return False  # close it instead: the conversation is the record of what was said

    @admin.display(
        description=pgettext_lazy("a support request's number, a column heading", "No."), ordering="pk"
    )
    def number(self, obj):
        return obj.pk

    @admin.display(description=_("person"))
    def person(self, obj):
        if obj.user_id:
            url = reverse("admin:accounts_user_change", args=[obj.user_id])
            return format_html('<a href="{}">{}</a> {}', url, obj.user, obj.email)
        return format_html("{} ({})", obj.email, gettext("no account"))

    @admin.display(description=_("status"), ordering="status")
    def ops_status(self, obj):
        return OPS_STATUS.get(obj.status, obj.status)

    @admin.display(description=_("first response"), ordering="first_response_at")
    def first_response(self, obj):
        target = _target()
        if obj.first_response_at:
            took = obj.first_response_at - obj.created_at
            text = _duration(took)
            if took > target:
                return format_html('<span class="badge badge--error">{} ({})</span>', text, gettext("late"))
            return text
        if obj.status == RequestStatus.CLOSED:
            return gettext("closed without an answer")
        waited = timezone.now() - obj.created_at
        if waited > target:
            return format_html(
                '<strong class="badge badge--error">{}</strong>',
                gettext("OVERDUE: waiting %(time)s") % {"time": _duration(waited)},
            )
        return gettext("none yet: waiting %(time)s") % {"time": _duration(waited)}

    @admin.display(description=_("context"))
    def context(self, obj):
        rows = _language_rows(obj)
        if obj.page:
            rows.append((gettext("Page"), obj.page))
        if obj.merchant_id:
            # The person's own brand, or only the brand page a visitor wrote from: ops must not mistake
            # a consumer for the brand's owner.
            label = (
                gettext("Their brand") if obj.merchant_is_theirs else gettext("Brand page it was sent from")
            )
            rows.append((label, f"{obj.merchant} (#{obj.merchant_id})"))
        if obj.reward_id:
            rows.append((gettext("Reward"), str(obj.reward)))
        if obj.payout_id:
            rows.append((pgettext("consumer payout", "Payout"), str(obj.payout)))
        for error in obj.recent_errors or []:
            if isinstance(error, dict):
                rows.append(
                    (
                        gettext("Error"),
                        f"{error.get('at', '')} {error.get('method', '')} {error.get('page', '')} "
                        f"{error.get('status') or ''} {error.get('message', '')}",
                    )
                )
        links = []
        if obj.reward_id:
            links.append(
                (reverse("admin:rewards_reward_change", args=[obj.reward_id]), gettext("Open the reward"))
            )
        if obj.payout_id:
            links.append(
                (reverse("admin:payouts_payout_change", args=[obj.payout_id]), gettext("Open the payout"))
            )
        return format_html(
            "<dl>{}</dl>{}",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
            format_html_join(" · ", '<a href="{}">{}</a>', links),
        )

    @admin.display(description=_("conversation"))
    def conversation(self, obj):
        messages_ = obj.messages.select_related("author").order_by("created_at", "pk")
        return format_html(
            '<ol class="support-thread">{}</ol>',
            format_html_join(
                "",
                "<li><strong>{}</strong> · {}{}<p>{}</p></li>",
                (
                    (
                        m.author if m.author_kind == "OPS" else gettext("The person"),
                        gettext("%(moment)s UTC") % {"moment": utc_text(m.created_at)},  # ops read UTC
                        format_html(" · <em>{}</em>", gettext("internal note")) if m.internal else "",
                        linebreaksbr(m.body),
                    )
                    for m in messages_
                ),
            ),
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        original = SupportRequest.objects.get(pk=obj.pk)
        answered = bool((data.get("reply") or "").strip()) and not data.get("internal")
        support_request_ops_update(
            support_request=original,
            actor=request.user,
            edit_version=data.get("edit_version") or 0,
            status=data["status"],
            assigned_to=data.get("assigned_to"),
            reply=data.get("reply") or "",
            internal=bool(data.get("internal")),
            now=timezone.now(),
        )
        if answered:
            messages.info(request, answer_delivery(original, before=False))

    def response_change(self, request, obj):
        # Django's own "The support request “…” was changed successfully. You may edit it again below."
        # speaks of the model in the masculine in Italian ("Il richiesta ... è stato modificato"):
        # ops read one message of ours instead, in their language.
        request._support_saved = obj.pk
        return super().response_change(request, obj)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        saved = getattr(request, "_support_saved", None)
        if saved is not None and level == messages.SUCCESS:
            message = gettext("Support request #%(id)s saved.") % {"id": saved}
        return super().message_user(request, message, level, *args, **kwargs)

    def save_related(self, request, form, formsets, change):
        pass  # nothing related is edited here: the service wrote everything

    def log_change(self, request, obj, message):
        return None  # the conversation and the request's fields are the record

    def history_view(self, request, object_id, extra_context=None):
        """No History link on the request's page (its own object tools); the page, opened by its
        address, says where the record is instead of Django's "no change history"."""
        extra = {
            "no_history_text": gettext(
                "Support requests keep no change history: the conversation on the request's page, with "
                "its answers and internal notes, is the record."
            ),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=extra)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Not Django's atomic wrapper: the service owns its (durable) transaction.
        try:
            return self._changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            messages.error(
                request,
                gettext(
                    "The person wrote again or a colleague changed this request since you opened it. Nothing "
                    "was saved: read the conversation below and answer again."
                ),
            )
        except DomainError as error:
            messages.error(request, str(error))
        return HttpResponseRedirect(request.path)
