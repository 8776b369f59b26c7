"""How every form of the project renders (``FORM_RENDERER``).

Django renders a field's help text as HTML (its form and admin templates use
``|safe``), so a help text such as ``/b/<address>/`` opened an ``<address>``
element that italicised the rest of the form. Here a help text is text: it is
escaped once, when the field is bound, unless it was marked safe on purpose
(Django's own password rules are built with ``format_html``). One renderer, so
plain forms, model forms, allauth's forms and both admin sites behave alike.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.formats import number_format
from django.utils.html import conditional_escape


class TextHelpBoundField(BoundField):
    """A bound field whose help text is plain text, shown as written."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.help_text = conditional_escape(self.help_text)


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with help texts escaped (``TextHelpBoundField``)."""

    bound_field_class = TextHelpBoundField


class _GroupedLimit:
    """A min/max validator whose message shows its limit as the visitor reads numbers
    ("at most 10,000,000" / "10.000.000"), not Python's ``10000000``."""

    def __call__(self, value):
        try:
            super().__call__(value)
        except ValidationError as error:
            limit = self.limit_value() if callable(self.limit_value) else self.limit_value
            raise ValidationError(
                error.message,
                code=error.code,
                params={**error.params, "limit_value": number_format(limit, force_grouping=True)},
            ) from None


class GroupedMinValueValidator(_GroupedLimit, MinValueValidator):
    pass


class GroupedMaxValueValidator(_GroupedLimit, MaxValueValidator):
    pass


class CountField(forms.IntegerField):
    """A whole number a person types (coins, views): its bounds read in their locale in the
    error message. The ``min``/``max`` attributes of the input stay plain numbers for the browser."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        swap = {MinValueValidator: GroupedMinValueValidator, MaxValueValidator: GroupedMaxValueValidator}
        self.validators = [swap[type(v)](v.limit_value) if type(v) in swap else v for v in self.validators]
