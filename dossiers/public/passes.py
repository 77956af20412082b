"""A pass from the public lookup to the online rating: the lookup has just checked the phone digits, so
the rating page opens for that dossier without asking for them again.

The pass is the dossier code signed as a ``motcua.tokens.RATING_PASS`` (refused for any other use) and good for
``MAX_AGE`` seconds: it carries no digits and nothing personal, and it cannot be made for another code.
"""
from __future__ import annotations

from dossiers.models import Dossier, Status
from motcua import tokens

MAX_AGE = 30 * 60  # seconds: time enough to read the result and rate; a kept link soon stops working
FIELD = "t"


def issue(code: str) -> str:
    return tokens.sign(tokens.RATING_PASS, code)


def code_of(token: str, *, max_age: int = MAX_AGE) -> str | None:
    """The dossier code a genuine, fresh pass was issued for; None otherwise."""
    code = tokens.unsign(tokens.RATING_PASS, token, max_age=max_age)
    return code if isinstance(code, str) else None


def dossier_of(token: str) -> Dossier | None:
    """The dossier a pass opens (never a dossier refused at intake), or None."""
    code = code_of(token)
    if code is None:
        return None
    return (
        Dossier.objects.filter(code=code).exclude(status=Status.REFUSED)
        .select_related("procedure", "receiving_unit").first()
    )
