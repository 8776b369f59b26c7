from django.utils import translation

from promote.forms import BuyCoinsForm


def test_a_limit_in_the_error_reads_as_the_visitor_reads_numbers():
    with translation.override("de"):
        form = BuyCoinsForm(data={"coins": "1000000000"}, currencies=["EUR"])
        assert not form.is_valid()
        assert form.errors["coins"] == ["Dieser Wert muss kleiner oder gleich 10.000.000 sein."]
    with translation.override("es"):  # as every Spanish number on the site (Babel), not "10 000 000"
        form = BuyCoinsForm(data={"coins": "10000001"}, currencies=["EUR"])
        assert form.errors["coins"] == ["El valor debe ser menor o igual que 10.000.000."]
    with translation.override("fr"):
        form = BuyCoinsForm(data={"coins": "10000001"}, currencies=["EUR"])
        assert form.errors["coins"] == [
            "Assurez-vous que cette valeur est inférieure ou égale à 10\u202f000\u202f000."
        ]
    with translation.override("en"):
        form = BuyCoinsForm(data={"coins": "0"}, currencies=["EUR"])
        assert form.errors["coins"] == ["Ensure this value is greater than or equal to 1."]
        form = BuyCoinsForm(data={"coins": "10000001"}, currencies=["EUR"])
        assert form.errors["coins"] == ["Ensure this value is less than or equal to 10,000,000."]
        assert 'max="10000000"' in str(form["coins"])


def test_a_count_typed_with_a_dot_or_a_comma_is_refused_not_read_as_one():
    """Walk finding: a German reader typed "1.000" coins to withdraw and 1 coin was withdrawn."""
    with translation.override("de"):
        for typed in ("1.000", "1,000", "1.5"):
            form = BuyCoinsForm(data={"coins": typed}, currencies=["EUR"])
            assert not form.is_valid()
            assert form.errors["coins"] == [
                "Bitte eine ganze Zahl ohne Punkt oder Komma eingeben, z. B. 1000."
            ]
        typed_plainly = BuyCoinsForm(data={"coins": "1000"}, currencies=["EUR"])
        typed_plainly.is_valid()
        assert "coins" not in typed_plainly.errors and typed_plainly.cleaned_data["coins"] == 1000
    with translation.override("en"):
        form = BuyCoinsForm(data={"coins": "1.000"}, currencies=["EUR"])
        assert form.errors["coins"] == ["Enter a whole number without dots or commas, such as 1000."]
    with translation.override("fr"):
        form = BuyCoinsForm(data={"coins": "1,000"}, currencies=["EUR"])
        assert form.errors["coins"] == ["Saisissez un nombre entier sans point ni virgule, par exemple 1000."]
