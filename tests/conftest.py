"""Shared fixtures: the database must be PostgreSQL, caches start empty, personas of two communes; the trust figures."""
from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import AgencyFactory, MembershipFactory, UnitFactory, UserFactory
from motcua.models import Role


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith("postgresql"):
        raise pytest.UsageError(
            "The suite runs on PostgreSQL: use `make test` (or scripts/test.sh), which starts one."
        )


TRUST: dict[str, int] = {}  # label → figure, in the order first recorded


@pytest.fixture(scope="session")
def trust():
    """``trust(label, value, add=True)`` records a trust figure of issue 8, printed at the end of the run.

    Call it after the assertions the figure stands for, so that a printed figure is one that held. With
    ``add`` the value adds to the figure (parametrised tests sum up); without, it replaces it.
    """

    def record(label: str, value: int, add: bool = True) -> None:
        TRUST[label] = TRUST.get(label, 0) + value if add else value

    return record


def pytest_terminal_summary(terminalreporter):
    """The "trust figures" section: one line per figure recorded, the number first."""
    if TRUST:
        terminalreporter.section("trust figures")
        width = max(len(f"{value:,}") for value in TRUST.values())
        for label, value in TRUST.items():
            terminalreporter.write_line(f"{value:>{width},}  {label}")


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def province(db):
    return UnitFactory(code="30", name="Tỉnh Hải Dương", level="province", parent=None)


@pytest.fixture
def district(province):
    return UnitFactory(code="298", name="Huyện Tứ Kỳ", level="district", parent=province)


@pytest.fixture
def commune_a(district):
    return UnitFactory(code="11089", name="Xã Ngọc Kỳ", level="commune", parent=district)


@pytest.fixture
def commune_b(district):
    return UnitFactory(code="11074", name="Thị trấn Tứ Kỳ", level="commune", parent=district)


@pytest.fixture
def agency_a(commune_a):
    return AgencyFactory(unit=commune_a, identifier="000.01.12.H23", name="Ủy ban nhân dân Xã Ngọc Kỳ")


@pytest.fixture
def agency_b(commune_b):
    return AgencyFactory(unit=commune_b, identifier="000.02.12.H23", name="Ủy ban nhân dân Thị trấn Tứ Kỳ")


@pytest.fixture
def desk_officer_a(commune_a):
    """A desk officer of commune A (Ngọc Kỳ)."""
    return MembershipFactory(unit=commune_a, role=Role.DESK_OFFICER, user__username="desk.a").user


@pytest.fixture
def officer_b(commune_b):
    """An officer of commune B who must see nothing of commune A."""
    return MembershipFactory(unit=commune_b, role=Role.PROCESSING_OFFICER, user__username="officer.b").user


@pytest.fixture
def district_officer(district):
    return MembershipFactory(unit=district, role=Role.DISTRICT_OFFICE, user__username="district").user


@pytest.fixture
def user_without_unit(db):
    return UserFactory(username="nobody")
