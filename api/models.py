"""API keys, their audit trail, idempotency records and rate-limit windows (docs/api.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class KeyKind(models.TextChoices):
    SECRET = "SECRET", _("Secret (server to server)")
    PUBLISHABLE = "PUBLISHABLE", _("Publishable (public reads)")


class Scope(models.TextChoices):
    READ = "read", pgettext_lazy("API key scope", "Read")
    WRITE = "write", _("Read and write")
    PUBLIC = "public", _("Public reads only")


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, *, now) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiKey(models.Model):
    """A merchant's key. Only the SHA-256 of a secret key is stored; the key is shown once."""

    merchant = models.ForeignKey(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(
        _("name"), max_length=80, help_text=_("What this key is for, e.g. 'shop server'.")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=KeyKind.choices)
    prefix = models.CharField(_("prefix"), max_length=8, help_text=_("tj_live_, tj_test_ or tj_pk_"))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    last_four = models.CharField(_("last four"), max_length=4, editable=False)
    publishable_key = models.CharField(
        _("publishable key"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Publishable keys are public: kept to show again."),
    )
    scope = models.CharField(_("scope"), max_length=6, choices=Scope.choices)
    expires_at = models.DateTimeField(pgettext_lazy("expiry", "expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("API keys")
        verbose_name = _("API key")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=KeyKind.values),
                name="api_apikey_kind_known",
                violation_error_message=_("Choose a key kind from the list."),
            ),
            models.CheckConstraint(
                condition=Q(scope__in=Scope.values),
                name="api_apikey_scope_known",
                violation_error_message=_("Choose a key scope from the list."),
            ),
            models.CheckConstraint(
                condition=(Q(kind="SECRET") & Q(prefix__in=["tj_live_", "tj_test_"]) & ~Q(scope="public"))
                | (Q(kind="PUBLISHABLE") & Q(prefix="tj_pk_") & Q(scope="public")),
                name="api_apikey_kind_matches_prefix_and_scope",
                violation_error_message=_(
                    "A secret key reads or writes; a publishable key is public. The key's prefix must match its kind."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…{self.last_four})"

    @property
    def display(self) -> str:
        return f"{self.prefix}…{self.last_four}"

    def allows(self, scope: str) -> bool:
        if scope == Scope.PUBLIC:
            return True
        if scope == Scope.READ:
            return self.scope in (Scope.READ, Scope.WRITE)
        return self.scope == Scope.WRITE


class KeyAction(models.TextChoices):
    CREATED = "CREATED", pgettext_lazy("API key event", "Created")
    REVOKED = "REVOKED", pgettext_lazy("API key event", "Revoked")
    WRITE = "WRITE", _("Changed data")


class ApiKeyEvent(models.Model):
    """The audit trail of a key: who made and revoked it, and every write it made."""

    key = models.ForeignKey(ApiKey, verbose_name=_("key"), on_delete=models.CASCADE, related_name="audit")
    action = models.CharField(_("action"), max_length=8, choices=KeyAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("API key event")
        verbose_name_plural = _("API key events")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=KeyAction.values),
                name="api_apikeyevent_action_known",
                violation_error_message=_("Choose a key event from the list."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """One Idempotency-Key of a merchant: the request's fingerprint and, once done, the response.

    Inserted before the request is processed (the unique constraint decides who runs it);
    kept for ``API_IDEMPOTENCY_HOURS``.
    """

    merchant = models.ForeignKey(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(pgettext_lazy("expiry", "expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "key"],
                name="api_idempotency_key_once_per_merchant",
                violation_error_message=_("This Idempotency-Key was already used."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({'done' if self.response_status else 'in flight'})"


RATE_SHARDS = 16


class RateWindow(models.Model):
    """Requests a key made in one minute, counted in one of ``RATE_SHARDS`` rows (an upsert per request:
    right across processes; the shards spread a busy key's concurrent requests over several rows).

    A secret key is counted as a whole (``client`` empty). A publishable key is public (it is in the
    shop's pages), so it is counted per visitor: ``client`` is a keyed hash of the visitor's network
    (``api.services.rate_client``), and one visitor can't use up the limit of the shop's others; its
    rows with ``client`` empty count the whole key's requests its visitors' limits let through, against
    the key's ceiling (``API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE``)."""

    key = models.ForeignKey(ApiKey, verbose_name=_("key"), on_delete=models.CASCADE, related_name="+")
    client = models.CharField(_("visitor"), max_length=32, blank=True, default="")
    window_start = models.DateTimeField(_("window start"))
    shard = models.PositiveSmallIntegerField(_("shard"), default=0)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate window")
        verbose_name_plural = _("rate windows")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "client", "window_start", "shard"],
                name="api_ratewindow_once_per_client",
                violation_error_message=_("This rate window is already counted."),
            ),
            models.CheckConstraint(
                condition=models.Q(shard__lt=RATE_SHARDS),
                name="api_ratewindow_shard_known",
                violation_error_message=_("A rate window's shard is one of the known shards."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.window_start:%H:%M}: {self.count}"


class WidgetPass(models.Model):
    """A consumer's "show my balance in this shop's widget", confirmed on TikJoy's own pages.

    The widget's frame on a shop's page is another site's frame: the browser doesn't send it
    TikJoy's session cookie. So the frame picks a random nonce and opens TikJoy in a window of
    its own (first-party, the session works there); the person confirms; the frame, polling
    with the nonce, gets a cookie of its own (partitioned to that shop) that shows this person's
    balance with this brand and nothing else. Only the nonce's hash is stored; a pass is
    collected once, within ``WIDGET_PASS_MINUTES``.
    """

    nonce_hash = models.CharField(_("nonce hash"), max_length=64, unique=True)
    merchant = models.ForeignKey(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.CASCADE, related_name="+"
    )
    origin = models.CharField(_("origin"), max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("widget pass")
        verbose_name_plural = _("widget passes")

    def __str__(self) -> str:
        return f"widget pass for {self.origin} ({'collected' if self.collected_at else 'waiting'})"
