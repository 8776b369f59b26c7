"""``manage.py translations_check`` on fixture catalogues (tikjoy.translations)."""

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tikjoy import translations

PO_HEADER = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""


def _app(root: Path, name: str, template: str, catalogues: dict[str, str] | None) -> Path:
    app = root / name
    (app / "templates" / name).mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "templates" / name / "page.html").write_text(textwrap.dedent(template))
    (app / "tests").mkdir()
    (app / "tests" / "test_x.py").write_text(
        'from django.utils.translation import gettext\ngettext("Only in a test")\n'
    )
    for language, body in (catalogues or {}).items():
        po = app / "locale" / language / "LC_MESSAGES" / "django.po"
        po.parent.mkdir(parents=True)
        po.write_text(PO_HEADER + textwrap.dedent(body))
    return app


TEMPLATE = """\
{% load i18n %}
<h1>{% translate "Your wallet" %}</h1>
<p>{% blocktranslate count n=items %}One reward{% plural %}{{ n }} rewards{% endblocktranslate %}</p>
<p>{% translate "Close" context "button" %}</p>
"""

COMPLETE_IT = """\
msgid "Your wallet"
msgstr "Il tuo portafoglio"

#, python-format
msgid "One reward"
msgid_plural "%(n)s rewards"
msgstr[0] "Un premio"
msgstr[1] "%(n)s premi"

msgctxt "button"
msgid "Close"
msgstr "Chiudi"
"""


@pytest.fixture
def three_apps(tmp_path, monkeypatch):
    done = _app(tmp_path, "done", TEMPLATE, {"it": COMPLETE_IT})
    partial = _app(
        tmp_path,
        "partial",
        TEMPLATE,
        {
            "it": """\
            #, fuzzy
            msgid "Your wallet"
            msgstr "Portafoglio"

            #, python-format
            msgid "One reward"
            msgid_plural "%(n)s rewards"
            msgstr[0] "Un premio"
            msgstr[1] ""

            #~ msgid "Gone"
            #~ msgstr ""
            """
        },
    )
    bare = _app(tmp_path, "bare", TEMPLATE, None)
    catalogues = [(path.name, path, [path]) for path in (done, partial, bare)]
    monkeypatch.setattr(translations, "project_catalogues", lambda base_dir=None: catalogues)
    return tmp_path


def test_every_untranslated_fuzzy_or_homeless_string_is_listed(three_apps):
    before = sorted(str(p) for p in three_apps.rglob("*"))

    findings = {str(f) for f in translations.translations_findings(languages=["it"])}

    assert findings == {
        "partial [it] fuzzy: 'Your wallet'",
        "partial [it] untranslated: 'One reward'",
        "partial [it] untranslated: 'Close'",  # new in the source: makemessages added it
        "bare: has strings to translate but no locale/ directory (e.g. 'Your wallet')",
    }
    assert sorted(str(p) for p in three_apps.rglob("*")) == before  # the tree is not written


def test_the_command_fails_listing_them_and_passes_when_complete(three_apps, monkeypatch, capsys):
    with pytest.raises(CommandError, match=r"4 problem\(s\) in 2 catalogue\(s\)"):
        call_command("translations_check", locale=["it"])
    assert "partial [it] fuzzy: 'Your wallet'" in capsys.readouterr().err

    done = three_apps / "done"
    monkeypatch.setattr(translations, "project_catalogues", lambda base_dir=None: [("done", done, [done])])
    call_command("translations_check", locale=["it"])
    assert "every string is translated" in capsys.readouterr().out

    with pytest.raises(CommandError, match="3 problem"):  # German has no catalogue yet: all of it is missing
        call_command("translations_check", locale=["de"])


def test_the_whole_project_is_covered():
    names = [name for name, _home, _sources in translations.project_catalogues()]
    assert names[0] == "templates/ (locale/)"
    assert {"core", "accounts", "rewards", "merchants", "tikjoy", "wallets"} <= set(names)
    assert "admin" not in names and "account" not in names  # Django's and allauth's ship their own


def test_a_plural_with_fewer_forms_than_its_header_declares_is_listed(tmp_path, monkeypatch):
    """Spanish declares three forms: an entry with two would show English for every n of the third."""
    body = COMPLETE_IT.replace('msgstr[1] "%(n)s premi"', 'msgstr[1] "%(n)s premi"\nmsgstr[2] "%(n)s premi"')
    three = _app(tmp_path, "three", TEMPLATE, {"es": COMPLETE_IT})
    po = three / "locale" / "es" / "LC_MESSAGES" / "django.po"
    po.write_text(
        po.read_text().replace("nplurals=2; plural=(n != 1);", "nplurals=3; plural=(n == 1 ? 0 : 2);")
    )
    monkeypatch.setattr(translations, "project_catalogues", lambda base_dir=None: [("three", three, [three])])

    findings = [str(f) for f in translations.translations_findings(languages=["es"])]

    assert findings == ["three [es] 2 plural forms, the header says 3: 'One reward'"]
    po.write_text(po.read_text().replace(COMPLETE_IT, body))
    assert translations.translations_findings(languages=["es"]) == []
