"""Vietnamese text helpers."""
from __future__ import annotations

import unicodedata
from datetime import datetime

from django.utils import timezone

from .calendar import VN_TZ

# How Python code writes a moment for people (SMS, messages, registers): '16:00 21/01/2026', in Vietnam
# time. Templates write the same with ``|date`` (the ``vi`` locale's DATETIME_FORMAT, "H:i d/m/Y").
MOMENT_FORMAT = "%H:%M %d/%m/%Y"


def vn_moment(moment: datetime | None) -> str:
    """An aware moment as read in Vietnam: '16:00 21/01/2026'; '' for None."""
    if moment is None:
        return ""
    return timezone.localtime(moment, VN_TZ).strftime(MOMENT_FORMAT)


def strip_diacritics(text: str) -> str:
    """'Đăng ký khai sinh' → 'Dang ky khai sinh'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def search_key(text: str) -> str:
    """The form both sides of a search are compared in: no diacritics, lower case, single spaces."""
    return " ".join(strip_diacritics(text).lower().split())


def person_name(user) -> str:
    """A staff member's name in the Vietnamese order, family name first: "Nguyễn Văn An".

    Django keeps the family and middle names (họ và tên đệm) in ``last_name`` and the given name (tên) in
    ``first_name``; its own ``get_full_name`` puts the given name first. Falls back to the username.
    """
    if user is None:
        return ""
    name = " ".join(part for part in (user.last_name.strip(), user.first_name.strip()) if part)
    return name or user.username
