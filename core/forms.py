"""How every form of the project renders (``FORM_RENDERER``).

Django renders a field's help text as HTML (its form and admin templates use
``|safe``), so a help text such as ``/b/<address>/`` opened an ``<address>``
element that italicised the rest of the form. Here a help text is text: it is
escaped once, when the field is bound, unless it was marked safe on purpose
(Django's own password rules are built with ``format_html``). One renderer, so
plain forms, model forms, allauth's forms and both admin sites behave alike.
"""

from __future__ import annotations

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape


class TextHelpBoundField(BoundField):
    """A bound field whose help text is plain text, shown as written."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.help_text = conditional_escape(self.help_text)


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with help texts escaped (``TextHelpBoundField``)."""

    bound_field_class = TextHelpBoundField
