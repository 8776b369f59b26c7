# French moments as a French sentence says them: "le 3 novembre 2026 à 09:42" (Django's own French
# formats write "3 novembre 2026 09:42", the date and the time side by side). The sentence brings
# its "le"/"jusqu'au"/"après le"; the format joins the date and the time ("à"). The formats not set
# here are Django's.
DATETIME_FORMAT = r"j F Y \à H:i"
SHORT_DATETIME_FORMAT = r"d/m/Y \à H:i"
