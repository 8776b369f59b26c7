# Italian dates as Italian writes them: "5 febbraio 2026" (Django's own Italian formats write
# "05 Febbraio 2026"; the month names are lowercased in core's catalogue, core/dates.py). The
# formats not set here are Django's (SHORT_DATE_FORMAT 05/02/2026 ...).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
