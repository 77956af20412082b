"""Database expressions shared by the apps."""
from __future__ import annotations

from django.db.models import CharField, Func

from .text import strip_diacritics

_VIETNAMESE_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
TRANSLATE_FROM = _VIETNAMESE_LETTERS + _VIETNAMESE_LETTERS.upper()
TRANSLATE_TO = strip_diacritics(TRANSLATE_FROM).lower()
assert len(TRANSLATE_FROM) == len(TRANSLATE_TO)


class SearchKey(Func):
    """``motcua.text.search_key`` in SQL: the text without Vietnamese diacritics, in lower case.

    Built from LOWER and TRANSLATE, both immutable in PostgreSQL, so it can define a stored generated
    column and feed a trigram index (no extension needed for the expression itself). SQLite, the
    development database, has no TRANSLATE and lower-cases ASCII only: there the expression is just
    LOWER, and searches compute the key in Python instead (``dossiers.selectors.Unaccent``).
    """

    template = "LOWER(TRANSLATE(%(expressions)s, '" + TRANSLATE_FROM + "', '" + TRANSLATE_TO + "'))"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="LOWER(%(expressions)s)", **extra_context)


class VietnameseOrder(Func):
    """A text column in Vietnamese alphabetical order (a, ă, â, b, c, d, đ, e, ê …: Đại Hợp after Dân Chủ,
    not after Văn Tố as the byte order puts it): PostgreSQL's ICU collation ``vi`` (created by the
    migration motcua 0007), so the database sorts and a page or a LIMIT needs no Python sort. SQLite, the
    development database, has no ICU: there the column sorts as it is."""

    template = '%(expressions)s COLLATE "vi"'
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])
