"""The code and the last 4 phone digits a citizen types to open a dossier, a rating or a ticket: one form
(dossiers.public.forms.CodeAndDigitsForm), each page naming its own code and its own digits."""
import pytest
from django.utils import translation

from dossiers.public.forms import NO_DIGITS, digits_match, last_four_digits
from dossiers.public.views import LookupForm
from dossiers.ratings.forms import OnlineCheckForm
from dossiers.tickets.forms import TicketLookupForm

FORMS = (LookupForm, OnlineCheckForm, TicketLookupForm)


@pytest.mark.parametrize("form_class", FORMS)
def test_every_page_reads_the_code_and_the_digits_the_same_way(form_class):
    form = form_class({"code": " H12.34-2601 21-0001\t", "phone4": "5678"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"code": "H12.34-260121-0001", "phone4": "5678"}
    for digits in ("567", "56789", "56a8", ""):
        assert not form_class({"code": "X", "phone4": digits}).is_valid()


def test_a_ticket_s_form_names_its_code_and_its_digits_in_its_own_words():
    with translation.override(None):
        dossier, ticket = LookupForm({"code": "X", "phone4": "12"}), TicketLookupForm({"code": "X", "phone4": "12"})
        assert (str(dossier.fields["code"].label), str(ticket.fields["code"].label)) == ("Dossier code", "Feedback code")
        assert dossier.errors["phone4"] == [
            "Enter the last 4 digits of the phone number you gave when you submitted the dossier."]
        assert ticket.errors["phone4"] == ["Enter the last 4 digits of the phone number you gave with your feedback."]
        # The class's words stay the class's: a ticket's form built first changes nothing of the dossier's.
        assert LookupForm({"code": "X", "phone4": "12"}).errors["phone4"] == dossier.errors["phone4"]


def test_the_digits_are_the_end_of_the_stored_phone_whatever_its_punctuation():
    assert last_four_digits("+84 912.345.678") == "5678"
    assert last_four_digits("12") == NO_DIGITS
    assert digits_match("0912 345 678", "5678") and not digits_match("0912 345 678", "5679")
    assert not digits_match(None, "5678") and not digits_match("", "0000")
