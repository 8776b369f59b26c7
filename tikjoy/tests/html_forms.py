"""Read the forms of a rendered page the way a browser submits them (for the hostile-input walk)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # the input type, "select", "textarea"
    value: str | None  # what the browser submits as it stands (None: nothing, e.g. an unticked box)
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, list[str]]:
        """What submitting the form unchanged sends (the submit buttons left out, except ``_save``)."""
        found: dict[str, list[str]] = {}
        for f in self.fields:
            if f.value is None or f.kind in ("submit", "button", "image", "reset", "file"):
                continue
            found.setdefault(f.name, []).append(f.value)
        return found


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._select_first: str | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._option_text = ""
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                action=a.get("action", ""),
                method=a.get("method", "get").lower(),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._option_value = None
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form.fields.append(Field(name, kind, None, [value]))
            else:
                self._form.fields.append(Field(name, kind, value))
        elif tag == "select" and name:
            self._select = Field(name, "select", None)
            self._select.multiple = "multiple" in a  # type: ignore[attr-defined]
            self._form.fields.append(self._select)
            self._select_first = None
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea", "")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._select is not None and self._option_value is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._select is not None:
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            self._select.options.append(value)
            if self._select_first is None:
                self._select_first = value
            if self._option_selected and (
                self._select.value is None or not getattr(self._select, "multiple", False)
            ):
                self._select.value = value
            self._option_value = None
        elif tag == "select" and self._select is not None:
            if self._select.value is None and not getattr(self._select, "multiple", False):
                self._select.value = self._select_first
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def main_form(html: str, method: str = "post") -> Form | None:
    """The page's form with the most fields (not the header's log-out or search form)."""
    candidates = [f for f in forms_of(html) if f.method == method]
    return max(candidates, key=lambda f: len(f.fields), default=None)
