"""Which day an instant counts on for a merchant: the date in the merchant's time zone.

Every figure the console, a campaign's report, the CSV exports and ``rewards_check`` give by day
(``CampaignDay``, ``PostEngagementDay``, a person's daily cap in ``UserCampaignTally``, the
dashboard's and reports' day buckets and date ranges) takes its day from here, so that "today" is
the merchant's today wherever the merchant reads it (docs/rewards.md, "Days").

- ``merchant_day(merchant, moment)``: in Python (the engine: the merchant row is loaded with the
  campaign, so no query);
- ``merchant_zone(merchant)``: the zone itself (a report's window, ``timezone.override``);
- ``MerchantDay(moment_path, merchant_path)``: the same rule in SQL, per row, for grouped reads over
  several merchants (``rewards_check``, the rebuild of the rollups).

A merchant with no valid zone counts in ``settings.TIME_ZONE`` (``core.i18n.time_zone_for``).
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.db.models import DateField, F, Func, Value
from django.db.models.functions import Coalesce, NullIf

from core.i18n import is_time_zone, time_zone_for

_ZONES: dict[str, zoneinfo.ZoneInfo] = {}  # valid names only (the fallback follows the settings)


def merchant_zone(merchant) -> zoneinfo.ZoneInfo:
    """The merchant's time zone (its saved one, else the site's)."""
    name = getattr(merchant, "time_zone", "")
    zone = _ZONES.get(name)
    if zone is None:
        zone = zoneinfo.ZoneInfo(time_zone_for(merchant))
        if is_time_zone(name):
            _ZONES[name] = zone
    return zone


def merchant_day(merchant, moment: datetime) -> date:
    """The day ``moment`` (aware) counts on for ``merchant``: its date in the merchant's time zone."""
    return moment.astimezone(merchant_zone(merchant)).date()


class LocalDate(Func):
    """The date of an aware datetime column in the time zone another expression names, per row."""

    arity = 2
    output_field = DateField()

    def _compiled(self, compiler):
        moment, zone = (compiler.compile(e) for e in self.get_source_expressions())
        return moment, zone

    def as_postgresql(self, compiler, connection, **extra):
        (moment, moment_params), (zone, zone_params) = self._compiled(compiler)
        return f"(({moment}) AT TIME ZONE ({zone}))::date", [*moment_params, *zone_params]

    def as_sqlite(self, compiler, connection, **extra):
        (moment, moment_params), (zone, zone_params) = self._compiled(compiler)
        return (
            f"django_datetime_cast_date({moment}, {zone}, %s)",
            [*moment_params, *zone_params, connection.timezone_name],
        )


def MerchantDay(moment: str, merchant: str = "merchant") -> LocalDate:
    """``merchant_day`` in SQL: the date of the ``moment`` column in the time zone of the merchant
    reached by ``merchant`` (a lookup path: ``"merchant"``, ``"campaign__merchant"``)."""
    zone = Coalesce(NullIf(F(f"{merchant}__time_zone"), Value("")), Value(settings.TIME_ZONE))
    return LocalDate(F(moment), zone)
