# German moments as a German sentence says them: "am 3. November 2026 um 09:42 Uhr" (Django's own
# German formats write "3. November 2026 09:42", the date and the time side by side). The sentence
# brings its "am"/"bis"/"nach dem"; the format joins the date and the time ("um … Uhr"). The formats
# not set here are Django's.
DATETIME_FORMAT = r"j. F Y \u\m H:i \U\h\r"
SHORT_DATETIME_FORMAT = r"d.m.Y \u\m H:i \U\h\r"
