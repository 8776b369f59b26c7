# English dates as TikJoy writes them (29 November 2026, 14:30), not Django's US defaults
# (Nov. 29, 2026, 2:30 p.m.): the other languages use Django's own formats. Templates use the
# names ("SHORT_DATE_FORMAT"), never a hard-coded "j M Y", so each language writes its own
# (docs/i18n.md).
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday
