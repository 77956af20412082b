"""Signed tokens (motcua.tokens): a token of one kind opens nothing of another, a forged or stale one
opens nothing at all."""
import time

import pytest
from django.core import signing

from motcua import tokens


def test_a_token_gives_back_its_value_to_its_own_kind_only():
    token = tokens.sign(tokens.RATING_PASS, "H12.34-260121-0001")
    assert tokens.unsign(tokens.RATING_PASS, token, max_age=60) == "H12.34-260121-0001"
    for other in tokens.KINDS - {tokens.RATING_PASS}:
        assert tokens.unsign(other, token, max_age=60) is None


def test_the_kinds_keep_the_salts_their_tokens_were_issued_with():
    """A link sent before the helper existed (a rating pass, a ticket's confirmation) still opens."""
    old = signing.dumps("H12.34-260121-0001", salt="dossiers.public.rating-pass", compress=False)
    assert tokens.unsign(tokens.RATING_PASS, old, max_age=60) == "H12.34-260121-0001"
    sent = signing.dumps("GY-0001", salt="dossiers.tickets.sent")
    assert tokens.unsign(tokens.TICKET_SENT, sent, max_age=60) == "GY-0001"


def test_a_stale_forged_or_empty_token_opens_nothing():
    token = tokens.sign(tokens.TICKET_SENT, "GY-0001")
    assert tokens.unsign(tokens.TICKET_SENT, token, max_age=-1) is None
    assert tokens.unsign(tokens.TICKET_SENT, token[:-2] + "xx", max_age=60) is None
    assert tokens.unsign(tokens.TICKET_SENT, "", max_age=60) is None
    assert tokens.unsign(tokens.TICKET_SENT, None, max_age=60) is None


@pytest.mark.django_db  # a used token is remembered in the database (motcua.throttling)
def test_the_form_token_s_age_is_judged_from_the_moment_it_carries():
    from dossiers.public import antispam

    issued = time.time() - antispam.MAX_AGE + 60
    token = antispam.issue_token(at=issued)
    antispam.check(token=token, honeypot="", now=issued + antispam.MIN_AGE + 1)
    with pytest.raises(antispam.Suspicious) as refused:
        antispam.check(token=tokens.sign(tokens.RATING_PASS, {"t": int(issued)}), honeypot="", now=issued + 10)
    assert refused.value.reason == antispam.INVALID


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        tokens.sign("dossiers.public.something-new", "x")
