"""Vietnamese text helpers."""
import unicodedata


def strip_diacritics(text: str) -> str:
    """'Đăng ký khai sinh' → 'Dang ky khai sinh'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def search_key(text: str) -> str:
    """The form both sides of a search are compared in: no diacritics, lower case, single spaces."""
    return " ".join(strip_diacritics(text).lower().split())
