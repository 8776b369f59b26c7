"""Calendar months as half-open intervals of instants, in the billing time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from core.errors import DomainError


class BadMonth(DomainError):
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
    def before(cls, now: datetime) -> Month:
        """The last complete month at ``now``."""
        local = now.astimezone(billing_zone())
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

    @property
    def start(self) -> datetime:
        """The first instant of the month (inclusive)."""
        return datetime(self.year, self.month, 1, tzinfo=billing_zone())

    @property
    def end(self) -> datetime:
        """The first instant of the next month (exclusive)."""
        return self.next.start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.first_day:%B %Y}"


def billing_zone() -> ZoneInfo:
    return ZoneInfo(settings.BILLING_TIME_ZONE)
