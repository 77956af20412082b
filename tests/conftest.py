"""Shared fixtures: the database must be PostgreSQL, caches start empty; the units, personas of two communes and
the district above them, birth registration; the trust figures."""
from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import AgencyFactory, MembershipFactory, UnitFactory, UserFactory, birth_registration_make, staff
from motcua.models import AgencyKind, Role


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


# -- personas -------------------------------------------------------------------------------------------
# One staff member per role in commune A (Ngọc Kỳ), in commune B (Thị trấn Tứ Kỳ, who must see nothing of A)
# and in the district above both; a superuser administrator; an account without a unit. Every password is
# tests.factories.PASSWORD. A test that needs another name or an e-mail address sets it on the persona.


@pytest.fixture
def desk_a(commune_a):
    """The desk officer of commune A (Bộ phận Một cửa, Ngọc Kỳ): Nguyễn Thị Lan."""
    return staff(commune_a, Role.DESK_OFFICER, "desk.a")


@pytest.fixture
def processing_a(commune_a):
    """A processing officer of commune A (công chức chuyên môn): Phạm Văn Hùng."""
    return staff(commune_a, Role.PROCESSING_OFFICER, "cm.a", "Hùng", "Phạm Văn")


@pytest.fixture
def focal_a(commune_a):
    """The focal officer for administrative procedures of commune A: Trần Thị Hoa."""
    return staff(commune_a, Role.FOCAL_OFFICER, "focal.a", "Hoa", "Trần Thị")


@pytest.fixture
def leader_a(commune_a):
    """The chairman of commune A (lãnh đạo UBND xã), with an e-mail address for the daily digest."""
    return staff(commune_a, Role.UNIT_LEADER, "leader.a", "Minh", "Đỗ Văn", email="leader.a@ngocky.vn")


@pytest.fixture
def desk_b(commune_b):
    return staff(commune_b, Role.DESK_OFFICER, "desk.b", "Mai", "Vũ Thị")


@pytest.fixture
def processing_b(commune_b):
    """A processing officer of commune B, who must see nothing of commune A."""
    return staff(commune_b, Role.PROCESSING_OFFICER, "officer.b", "Nam", "Đặng Văn")


@pytest.fixture
def focal_b(commune_b):
    return staff(commune_b, Role.FOCAL_OFFICER, "focal.b", "Thu", "Ngô Thị")


@pytest.fixture
def leader_b(commune_b):
    return staff(commune_b, Role.UNIT_LEADER, "leader.b", "Tuấn", "Bùi Văn")


@pytest.fixture
def district_desk(district):
    """The desk officer of the district's one-stop office."""
    return staff(district, Role.DESK_OFFICER, "district.desk", "Hạnh", "Đinh Thị")


@pytest.fixture
def district_processing(district):
    return staff(district, Role.PROCESSING_OFFICER, "district.cm", "Sơn", "Lý Văn")


@pytest.fixture
def district_focal(district):
    return staff(district, Role.FOCAL_OFFICER, "district.focal", "Yến", "Hà Thị")


@pytest.fixture
def district_leader(district):
    return staff(district, Role.UNIT_LEADER, "district.leader", "Long", "Phan Văn")


@pytest.fixture
def district_office(district):
    """The district office (Văn phòng HĐND-UBND huyện), which watches every commune and reports up."""
    return staff(district, Role.DISTRICT_OFFICE, "district", "Dung", "Hoàng Thị")


@pytest.fixture
def administrator(db):
    """The superuser of the installation: no unit, sees everything."""
    return UserFactory(username="admin", first_name="Quân", last_name="Bùi Anh", is_staff=True, is_superuser=True)


@pytest.fixture
def user_without_unit(db):
    """An account that belongs to no unit: may see and do nothing."""
    return UserFactory(username="nobody", first_name="Tâm", last_name="Lương Văn")


# The names the tests knew the personas by.


@pytest.fixture
def desk_officer_a(desk_a):
    return desk_a


@pytest.fixture
def officer_b(processing_b):
    return processing_b


@pytest.fixture
def district_officer(district_office):
    return district_office


@pytest.fixture
def justice_office(district):
    """The district's Phòng Tư pháp, a specialised office (phòng chuyên môn) that holds stages."""
    return AgencyFactory(unit=district, kind=AgencyKind.SPECIALISED_OFFICE, name="Phòng Tư pháp huyện Tứ Kỳ",
                         identifier="000.00.05.H23")


@pytest.fixture
def justice_officer(district, justice_office):
    """A processing officer of the district's Phòng Tư pháp: Lê Thị Hằng (tu.phap)."""
    return MembershipFactory(unit=district, agency=justice_office, role=Role.PROCESSING_OFFICER,
                             user__username="tu.phap", user__first_name="Hằng", user__last_name="Lê Thị").user


# -- Celery ------------------------------------------------------------------------------------------------


@pytest.fixture
def celery_in_process():
    """No worker runs in the test process: tasks run in-process (after commit), as without a broker."""
    from motcua.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    pools = (app._pool, app.amqp._producer_pool)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
    # An eager apply_async still acquires a producer, which builds the app's broker pools (kombu keeps
    # them in a process-wide registry). Leave the app as it was, pools not built: a later test that
    # force-closes `app.pool` (tests/integration/test_redis_down.py) must not close the real broker's.
    app._pool, app.amqp._producer_pool = pools


# -- procedures -----------------------------------------------------------------------------------------


@pytest.fixture
def birth_registration(commune_a):
    """Birth registration (1.001193): 3 working days, an 8.000 đồng fee, two papers, posted at commune A.

    A test that needs another shape calls ``birth_registration_make(days=.., fees=.., components=..)``.
    """
    return birth_registration_make(post_at=[commune_a])


# The internal process of an inter-level procedure: the desk's 4 hours, a phòng's 12, the chairman's 4 and
# the desk's 4 to return the result (3 working days).
INTER_LEVEL_PROCESS = ("Tiếp nhận, chuyển hồ sơ [Bộ phận một cửa] 4 giờ ; Thẩm định, đề xuất [Phòng chuyên môn] 12 giờ ; "
                       "Phê duyệt [Lãnh đạo] 4 giờ ; Trả kết quả [Bộ phận một cửa] 4 giờ")


@pytest.fixture
def inter_level_procedure(district, commune_a, agency_a, agency_b):
    """A district procedure inter-connected with the communes (1.000893, 3 days) with INTER_LEVEL_PROCESS,
    posted at the district; the communes' People's Committees exist to number their dossiers."""
    from procedures.parsing import parse_stages
    from tests.factories import procedure_make

    return procedure_make("1.000893", "Cấp bản sao trích lục hộ tịch (liên thông)", level="district", days=3,
                          interconnected_with="commune", post_at=[district],
                          stages=[stage.as_json() for stage in parse_stages(INTER_LEVEL_PROCESS)])
