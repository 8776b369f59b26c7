"""Never imported: Django's own msgids that the root catalogue (``locale/``) says TikJoy's way.

The root catalogue is read after every other one and wins over Django's (docs/i18n.md). Listed
here, each exactly as Django writes it, so that ``scripts/makemessages.sh templates`` keeps them;
a Python file because a template tag cannot write Django's ``%(name)d`` placeholders and plurals.

- Form and validator errors, the password validators' messages and help texts, and the admin's
  "Hold down Control" help: said without a pronoun in Italian and Spanish (Django's Italian says
  *tu* / *la tua*, its Spanish *usted* / *su*), so that a consumer (tu, tú) and the console (Lei,
  usted) can both read them; German without *Sie* (Django's admin help says it). French keeps
  *vous*, as everywhere.
- Strings of Django 5.1+ that Django's Italian (and German) catalogue lacks, shown in /ops/
  (the user pages, the sign-in page, validators).
- The admin's page titles and buttons that put a model's name into a sentence ("Ajout de
  invitation", "Supprimer les vidéos sélectionnés", "Aggiungi un altro Nome in un'altra lingua"):
  written as "verb: name" so that any name, of any gender, reads right; Italian's missing "Error:";
  the password change page's help (Django's German repeats "es es", its Italian says *tu*).
- An upload's "The submitted file is empty.": Django REST framework's Spanish, which wins over
  Django's, misspells it (*vació*).
- "This field is required.": Django's words (*Este campo es obligatorio.*, *Questo campo è
  obbligatorio.*), where Django REST framework's catalogue, which wins over Django's, said *Este
  campo es requerido.* and *Campo obbligatorio.* on every form and in the API.
- Django REST framework's errors in the API's problem+json (a date or time in the wrong format, a
  text too long, a number out of range or with too many digits): without a pronoun, as the form
  errors above, where its German said *du* ("Nutze stattdessen …", "Stelle sicher …") and its
  Italian *tu* ("Usa …", "Assicurati …") to the merchants' servers; French with its apostrophe and
  no-break space. Its msgids, with their ``{name}`` placeholders, are its own.
- The admin's messages after an add, a change or a deletion and its list titles ("Il campagna … è
  stato modificato", "Scegli campagna da modificare"): "what: name" without an article in Italian
  and Spanish, in /ops/' tone (tu, tú); the console says them formally in the context "to a
  merchant" (``merchants.console_site``).
- A history's "Action" column ("Modification de Alerte …", "Modificati Lingua"): "what: fields" in
  French, Italian and Spanish, so that no field label meets an article or an agreement.
"""

# ruff: noqa: RUF001 (Django's msgids have typographic apostrophes; copied exactly)
from django.utils.translation import gettext_noop, ngettext_lazy

FORM_ERRORS = [
    gettext_noop("This field is required."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    gettext_noop("Enter a valid value."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a valid duration."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        1,
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        1,
    ),
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    ),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Set password"),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    gettext_noop("Reset password"),
    # The usable-password field of Django 5.1+'s user forms (ops: add a person, set or disable a password).
    gettext_noop("Password-based authentication"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be able "
        "to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("Set password: %s"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("Enter a valid domain name."),
    gettext_noop("Enter a valid %(protocol)s address."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    # Django REST framework's Spanish (read before Django's) says "está vació".
    gettext_noop("The submitted file is empty."),
]

ADMIN = [
    gettext_noop("Error:"),
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    gettext_noop("Add another %(model)s"),
    gettext_noop("Change selected %(model)s"),
    gettext_noop("Delete selected %(model)s"),
    gettext_noop("View selected %(model)s"),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    # A history's "Action" column (LogEntry.get_change_message): "what: fields" with no article, so that
    # any label reads right (French "Modification de Alerte", Italian "Modificati Lingua").
    gettext_noop("Changed {fields}."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Select %s"),
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new password twice so we can "
        "verify you typed it in correctly."
    ),
]

API_ERRORS = [
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Datetime has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Time has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Ensure that there are no more than {max_decimal_places} decimal places."),
    gettext_noop("Ensure that there are no more than {max_digits} digits in total."),
    gettext_noop("Ensure that there are no more than {max_whole_digits} digits before the decimal point."),
]
