"""Vietnamese text helpers."""
import unicodedata


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
