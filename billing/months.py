"""Calendar months, and a merchant's billing period: a month as a half-open interval of instants.

A merchant's statement and service-fee invoice for a month cover ``[the 1st 00:00, the next 1st
00:00)`` in the merchant's time zone; which instants exactly is decided in one place,
``billing.selectors.billing_period`` (it also keeps consecutive periods joined when the merchant
changes its zone). This module has the calendar arithmetic it uses: ``Month`` and ``Period``.

``settings.BILLING_TIME_ZONE`` is the platform's own zone: the issue date (and so the yearly
number series) of every invoice, the date of a Promote coin purchase, and the zone recorded on the
documents issued before periods followed the merchant's zone (billing.0010).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.formats import date_format

from core.errors import DomainError
from core.i18n import time_zone_label

# The zones furthest ahead of and behind UTC: a month has ended in every zone once it has ended in
# the latest one, and in some zone once it has ended in the earliest one.
EARLIEST_ZONE = ZoneInfo("Etc/GMT-14")  # UTC+14 (Pacific/Kiritimati)
LATEST_ZONE = ZoneInfo("Etc/GMT+12")  # UTC-12


class BadMonth(DomainError):
    pass


class PeriodError(DomainError):
    pass


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise BadMonth(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-10.")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def before(cls, now: datetime, zone: ZoneInfo | None = None) -> Month:
        """The last complete month at ``now`` in ``zone`` (default: the platform's)."""
        local = now.astimezone(zone or billing_zone())
        return cls.of(local.date()).previous

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next.first_day - timedelta(days=1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start_in(self, zone: ZoneInfo) -> datetime:
        """The first instant of the month in ``zone`` (inclusive)."""
        return datetime(self.year, self.month, 1, tzinfo=zone)

    def end_in(self, zone: ZoneInfo) -> datetime:
        """The first instant of the next month in ``zone`` (exclusive)."""
        return self.next.start_in(zone)

    @property
    def start(self) -> datetime:
        """The first instant of the month in the platform's zone (``BILLING_TIME_ZONE``): the
        platform's own dates and the benches; a merchant's month is ``billing_period``."""
        return self.start_in(billing_zone())

    @property
    def end(self) -> datetime:
        """The first instant of the next month in the platform's zone (see ``start``)."""
        return self.end_in(billing_zone())

    @property
    def ended_somewhere(self) -> datetime:
        """The first instant at which the month is over in some zone (the earliest one)."""
        return self.end_in(EARLIEST_ZONE)

    @property
    def ended_everywhere(self) -> datetime:
        """The first instant at which the month is over in every zone (the latest one)."""
        return self.end_in(LATEST_ZONE)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.first_day:%B %Y}"

    def text(self) -> str:
        """The month in the active language ("Oktober 2026"), for a sentence a person reads."""
        return date_format(self.first_day, "YEAR_MONTH_FORMAT")


@dataclass(frozen=True)
class Period:
    """What a statement or a service-fee invoice covers: ``[start, end)`` of ``month``, in ``zone``."""

    month: Month
    start: datetime
    end: datetime
    zone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.tz)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(self.tz)

    @property
    def first_day(self) -> date:
        """The date of the first instant, in the zone."""
        return self.local_start.date()

    @property
    def last_day(self) -> date:
        """The date of the last instant before the end, in the zone."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()

    def words(self) -> dict[str, str]:
        """The period as printed, in the active language: its first and last day, a time added where
        it does not start or end at midnight (the month after a change of zone), and the zone as the
        reader's language names it ("Berlin (Mitteleuropäische Zeit)"; ``zone_name``: its IANA name)."""
        start, end = self.local_start, self.local_end
        first = date_format(start, "DATE_FORMAT")
        if start.time() != datetime.min.time():
            first = f"{first}, {date_format(start, 'TIME_FORMAT')}"
        if end.time() == datetime.min.time():
            last = date_format(self.last_day, "DATE_FORMAT")
        else:
            last = f"{date_format(end, 'DATE_FORMAT')}, {date_format(end, 'TIME_FORMAT')}"
        return {"start": first, "end": last, "zone": time_zone_label(self.zone), "zone_name": self.zone}


def month_period(
    month: Month, zone: str, *, start: datetime | None = None, end: datetime | None = None
) -> Period:
    """``month`` in ``zone``: from ``start`` (default: the 1st 00:00 there) to ``end`` (default: the
    next 1st 00:00 there)."""
    tz = ZoneInfo(zone)
    return Period(month=month, start=start or month.start_in(tz), end=end or month.end_in(tz), zone=zone)


def billing_zone() -> ZoneInfo:
    return ZoneInfo(settings.BILLING_TIME_ZONE)
