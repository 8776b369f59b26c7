from __future__ import annotations

import uuid

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chats.models import Category, ChatTemplate
from chats.services import MAX_TEXT
from chats.template_languages import template_choices
from wallets.formats import number_text

# A template's entry in the picker, whole in each catalogue: German capitalizes the category
# ("Angebot (Marketing-Vorlage)"), English does not ("Offer (marketing template)").
_PICKER_LABELS = {
    Category.MARKETING: _("%(name)s (marketing template)"),
    Category.UTILITY: _("%(name)s (utility template)"),
}


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ChatTemplate) -> str:
        label = _PICKER_LABELS.get(obj.category)
        if label is None:  # templates are UTILITY or MARKETING (a constraint); the category as is
            return f"{obj.title} ({obj.get_category_display()})"
        return label % {"name": obj.title}


def _too_long() -> str:
    """The service's refusal, so the form (the browser's maxlength bypassed) says the same."""
    return gettext("A message has at most %(limit)s characters.") % {"limit": number_text(MAX_TEXT)}


class SendForm(forms.Form):
    """``language``: the console's, as a Cloud API code: the picker shows one entry per template,
    titled in that language's translation (else English)."""

    text = forms.CharField(
        label=_("Message"),
        max_length=MAX_TEXT,  # WhatsApp's limit for a text body; the textarea's maxlength
        error_messages={"max_length": lazy(_too_long, str)()},
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A free reply within 24 hours of the consumer's last message; else pick a template."),
    )
    template = TemplateChoiceField(
        queryset=ChatTemplate.objects.none(),
        required=False,
        empty_label=_("No template: a free reply"),
        label=_("Template"),
    )
    # A fresh key per form shown: submitting the same form twice sends (and charges) once.
    send_key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput, required=False)

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["send_key"].initial = uuid.uuid4().hex
        choices = template_choices(language=language)
        self.fields["template"].queryset = ChatTemplate.objects.filter(
            pk__in=[row.pk for row in choices]
        ).order_by("category", "title")


class StartForm(forms.Form):
    person = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class MarketingForm(forms.Form):
    marketing = forms.BooleanField(label=_("Marketing"), required=False)
