"""The ops staff admin, served at /ops/ (Django's default AdminSite).

Each app registers its own ops pages in its ``admin.py``; this module composes what
needs several apps: the person's page (the account from ``accounts``, with the bans
and shared devices of ``rewards``), the diagnostics page (``tikjoy.diagnostics``) and the task
queue's lists, their schedules named as the diagnostics page names them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_q.admin import FailAdmin, QueueAdmin, ScheduleAdmin, TaskAdmin
from django_q.models import Failure, OrmQ, Schedule, Success, Task

from accounts.admin import UserAdmin
from accounts.models import User
from core.admin import ReasonForm, reason_page
from rewards.models import Ban, BanEvent
from rewards.risk import people_sharing_devices
from rewards.services import RewardError, user_ban, user_unban
from tikjoy.diagnostics import schedule_label

admin.site.site_header = _("TikJoy operations")
admin.site.site_title = _("TikJoy ops")
admin.site.index_title = _("Operations")
admin.site.index_template = "admin/ops_index.html"

# Django stores a permission's name in English ("Can add link day", written from the model's verbose
# name when the migration ran) and shows it as stored: /ops/ writes the four default permissions from
# the action and the model's lazy verbose name instead, so they read in the reader's language.
PERMISSION_ACTIONS = {
    "add": _("Can add “%(model)s”"),
    "change": _("Can change “%(model)s”"),
    "delete": _("Can delete “%(model)s”"),
    "view": _("Can view “%(model)s”"),
}


def permission_label(permission: Permission) -> str:
    """``app | model | Can add “model”`` in the reader's language; a model's own permissions (its
    ``Meta.permissions``) as stored."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS or model_name != model._meta.model_name:
        return str(permission)
    return "{} | {}".format(
        permission.content_type, PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    )


class PermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class PermissionsInReadersLanguage:
    """For an admin with a many-to-many to Permission (a person's, a group's)."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.related_model is Permission:
            kwargs["form_class"] = PermissionsField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


BAN_HELP = _(
    "Banning reverses the person's pending and held rewards (the brands get the money back) "
    "and stops new rewards and payouts. The person sees the reason."
)
UNBAN_HELP = _(
    "The person earns and withdraws again from now on. Rewards the ban reversed stay reversed. "
    "Kept in the ban's history."
)


class OpsUserAdmin(PermissionsInReadersLanguage, UserAdmin):
    """The account page in /ops/, with the person's ban (ban, lift it), its history, and shared devices."""

    change_form_template = "admin/accounts/user/ops_change_form.html"

    def get_urls(self):
        own = [
            path("<int:user_id>/ban/", self.admin_site.admin_view(self.ban_view), name="accounts_user_ban"),
            path(
                "<int:user_id>/unban/",
                self.admin_site.admin_view(self.unban_view),
                name="accounts_user_unban",
            ),
        ]
        return own + super().get_urls()

    def has_ban_permission(self, request: HttpRequest) -> bool:
        """Banning reverses rewards: the permission that decides on rewards."""
        return request.user.has_perm("rewards.change_reward")

    def _person(self, request: HttpRequest, user_id: int) -> User:
        if not self.has_ban_permission(request):
            raise PermissionDenied
        person = User.objects.filter(pk=user_id).first()
        if person is None:
            raise Http404("No such account.")
        return person

    def _page(self, person: User) -> str:
        return reverse("admin:accounts_user_change", args=[person.pk])

    def ban_view(self, request: HttpRequest, user_id: int) -> HttpResponse:
        person = self._person(request, user_id)
        if request.method == "POST":
            form = ReasonForm(request.POST, help_text=BAN_HELP)
            if form.is_valid():
                if Ban.objects.filter(user=person).exists():
                    self.message_user(
                        request,
                        gettext("Nothing changed: %(person)s is already banned.") % {"person": person},
                        messages.WARNING,
                    )
                    return HttpResponseRedirect(self._page(person))
                try:
                    user_ban(
                        user=person,
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                        now=timezone.now(),
                    )
                except RewardError as exc:
                    self.message_user(
                        request, gettext("Nothing changed: %(reason)s") % {"reason": exc}, messages.ERROR
                    )
                else:
                    self.message_user(
                        request,
                        gettext("%(person)s is banned; their pending and held rewards were reversed.")
                        % {"person": person},
                        messages.SUCCESS,
                    )
                return HttpResponseRedirect(self._page(person))
        else:
            form = ReasonForm(help_text=BAN_HELP)
        return reason_page(
            request,
            self,
            title=gettext("Ban this person"),
            objects=[person],
            form=form,
            cancel_url=self._page(person),
        )

    def unban_view(self, request: HttpRequest, user_id: int) -> HttpResponse:
        person = self._person(request, user_id)
        if request.method == "POST":
            form = ReasonForm(request.POST, help_text=UNBAN_HELP)
            if form.is_valid():
                try:
                    user_unban(
                        user=person,
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                        now=timezone.now(),
                    )
                except RewardError as exc:
                    self.message_user(
                        request, gettext("Nothing changed: %(reason)s") % {"reason": exc}, messages.WARNING
                    )
                else:
                    self.message_user(
                        request,
                        gettext("The ban of %(person)s is lifted.") % {"person": person},
                        messages.SUCCESS,
                    )
                return HttpResponseRedirect(self._page(person))
        else:
            form = ReasonForm(help_text=UNBAN_HELP)
        return reason_page(
            request,
            self,
            title=gettext("Lift the ban"),
            objects=[person],
            form=form,
            cancel_url=self._page(person),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        person = User.objects.filter(
            pk=object_id if str(object_id).isascii() and str(object_id).isdigit() else None
        ).first()
        if person is not None:
            extra.update(
                {
                    "person": person,
                    "can_ban": self.has_ban_permission(request),
                    "ban": Ban.objects.filter(user=person).select_related("banned_by").first(),
                    "ban_events": BanEvent.objects.filter(user=person)
                    .select_related("actor")
                    .order_by("-created_at", "-pk")[:20],
                    "shared": people_sharing_devices(user_id=person.pk),
                }
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)


admin.site.unregister(User)
admin.site.register(User, OpsUserAdmin)


class OpsGroupAdmin(PermissionsInReadersLanguage, GroupAdmin):
    """Django's group admin, its permissions in the reader's language."""


admin.site.unregister(Group)
admin.site.register(Group, OpsGroupAdmin)


# --- the task queue --------------------------------------------------------------------------------
# django-q2's lists show a schedule's name, and the group of the tasks it starts, as stored: in English.
# /ops/ shows them as the diagnostics page does (``tikjoy.diagnostics.schedule_label``), sorted and
# searched by the stored name; django-q2's admins are kept otherwise.


class ScheduleGroupFilter(admin.SimpleListFilter):
    """ "By group": the schedules whose tasks are listed, in the reader's language."""

    title = capfirst(Task._meta.get_field("group").verbose_name)
    parameter_name = "group"

    def lookups(self, request, model_admin):
        groups = model_admin.get_queryset(request).exclude(group=None).values_list("group", flat=True)
        return sorted(((group, schedule_label(group)) for group in set(groups)), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(group=self.value()) if self.value() else queryset


def _replaced(columns: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(new if column == old else column for column in columns)


class OpsScheduleAdmin(ScheduleAdmin):
    list_display = _replaced(ScheduleAdmin.list_display, "name", "name_label")
    list_display_links = ("id", "name_label")

    @admin.display(description=capfirst(Schedule._meta.get_field("name").verbose_name), ordering="name")
    def name_label(self, obj: Schedule) -> str:
        return schedule_label(obj.name) if obj.name else "-"


class GroupLabelColumn:
    """The task's group (the schedule that started it) as the diagnostics page names it."""

    @admin.display(description=capfirst(Task._meta.get_field("group").verbose_name), ordering="group")
    def group_label(self, obj: Task) -> str:
        return schedule_label(obj.group) if obj.group else "-"


class OpsTaskAdmin(GroupLabelColumn, TaskAdmin):
    list_display = _replaced(TaskAdmin.list_display, "group", "group_label")
    list_filter = (ScheduleGroupFilter, "cluster")


class OpsFailAdmin(GroupLabelColumn, FailAdmin):
    list_display = _replaced(FailAdmin.list_display, "group", "group_label")
    list_filter = (ScheduleGroupFilter, "cluster")


class OpsQueueAdmin(QueueAdmin):
    list_display = _replaced(QueueAdmin.list_display, "group", "group_label")

    @admin.display(description=OrmQ.group.short_description)
    def group_label(self, obj: OrmQ) -> str:
        group = obj.group()
        return schedule_label(group) if group else "-"


for model, model_admin in (
    (Schedule, OpsScheduleAdmin),
    (Success, OpsTaskAdmin),
    (Failure, OpsFailAdmin),
    (OrmQ, OpsQueueAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
