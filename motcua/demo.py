"""Demo data: the units, their agencies and one user per role, in one of two trees.

- ``2023`` (the default): Tứ Kỳ district (Hải Dương) as it stood in 2023, three tiers, province →
  district → commune, with the district's offices and a desk, processing, focal and leader user at
  Xã Ngọc Kỳ and Thị trấn Tứ Kỳ.
- ``2025``: the same units with their history, as the bundled files record it: the 2023 tree, the
  2024-12 mergers (effective 01/12/2024) and the two-tier tree of Thành phố Hải Phòng and its six
  communes (effective 01/07/2025), each imported through ``units_import`` the way an administrator
  would. The units that ended keep their agencies, switched off; the city gets its departments and
  vertical agencies, each new commune its People's Committee, and the users work at Xã Tứ Kỳ, Xã Tân
  Kỳ and the city.

Idempotent: running it again updates names and roles and leaves passwords alone; a unit file already
imported is not imported again. One database holds one tree: ``demo_tree_refusal`` says why a tree
cannot go into a database that holds the other. The electronic identifiers follow the pattern of
Quyết định 20/2020/QĐ-TTg (office.commune.district.province) but are demo values, not the official ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max

from .models import AdministrativeUnit, Agency, AgencyKind, Role, StaffMembership, UnitLevel
from .services import UNIT_COLUMNS, UNIT_HEADER_ALIASES, holidays_preload, units_import
from .tabular import read_rows

DEMO_PASSWORD = "motcua-demo-2026"
DATA = Path(__file__).resolve().parent / "data"
UNITS_FILE = DATA / "units-tu-ky-2023.csv"
PROVINCE_CODE, DISTRICT_CODE = "30", "298"
DEMO_COMMUNES = {"11089": "ngocky", "11074": "ttuky"}  # Xã Ngọc Kỳ, Thị trấn Tứ Kỳ
ID_SUFFIX = "12.H23"  # district 12 of province H23 in the demo numbering

TREES = ("2023", "2025")
DEFAULT_TREE = "2023"
# The 2025 tree: each file with the day it takes effect (None: the units as they stood, no history).
UNIT_HISTORY = (
    (UNITS_FILE, None),
    (DATA / "units-tu-ky-2024-12.csv", date(2024, 12, 1)),
    (DATA / "units-tu-ky-2025-07.csv", date(2025, 7, 1)),
)
CITY_CODE = "31"  # Thành phố Hải Phòng, from 01/07/2025
CITY_COMMUNES = {"11074": "xatuky", "11113": "tanky"}  # Xã Tứ Kỳ, Xã Tân Kỳ (from 01/07/2025)
CITY_ID_SUFFIX = "00.H26"  # no district; province H26 in the demo numbering

DISTRICT_AGENCIES = [
    ("000", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân huyện Tứ Kỳ"),
    ("001", AgencyKind.SPECIALISED_OFFICE, "Phòng Tư pháp"),
    ("002", AgencyKind.SPECIALISED_OFFICE, "Phòng Tài chính - Kế hoạch"),
    ("003", AgencyKind.SPECIALISED_OFFICE, "Phòng Nội vụ"),
    ("004", AgencyKind.SPECIALISED_OFFICE, "Phòng Văn hoá và Thông tin"),
    ("005", AgencyKind.SPECIALISED_OFFICE, "Phòng Lao động - Thương binh và Xã hội"),
    ("006", AgencyKind.SPECIALISED_OFFICE, "Phòng Tài nguyên và Môi trường"),
    ("007", AgencyKind.SPECIALISED_OFFICE, "Phòng Kinh tế - Hạ tầng"),
    ("008", AgencyKind.SPECIALISED_OFFICE, "Văn phòng HĐND và UBND huyện"),
    ("101", AgencyKind.POLICE, "Công an huyện Tứ Kỳ"),
    ("102", AgencyKind.SOCIAL_INSURANCE, "Bảo hiểm xã hội huyện Tứ Kỳ"),
    ("103", AgencyKind.MILITARY, "Ban Chỉ huy Quân sự huyện Tứ Kỳ"),
    ("104", AgencyKind.LAND_REGISTRATION, "Văn phòng đăng ký đất đai – Chi nhánh Tứ Kỳ"),
]
# The city's departments (after the 2025 mergers of departments) and the vertical agencies.
CITY_AGENCIES = [
    ("000", AgencyKind.PEOPLES_COMMITTEE, "Ủy ban nhân dân thành phố Hải Phòng"),
    ("001", AgencyKind.SPECIALISED_OFFICE, "Văn phòng Ủy ban nhân dân thành phố"),
    ("002", AgencyKind.SPECIALISED_OFFICE, "Sở Tư pháp"),
    ("003", AgencyKind.SPECIALISED_OFFICE, "Sở Nội vụ"),
    ("004", AgencyKind.SPECIALISED_OFFICE, "Sở Tài chính"),
    ("005", AgencyKind.SPECIALISED_OFFICE, "Sở Nông nghiệp và Môi trường"),
    ("006", AgencyKind.SPECIALISED_OFFICE, "Sở Xây dựng"),
    ("007", AgencyKind.SPECIALISED_OFFICE, "Sở Văn hoá, Thể thao và Du lịch"),
    ("008", AgencyKind.SPECIALISED_OFFICE, "Sở Y tế"),
    ("009", AgencyKind.SPECIALISED_OFFICE, "Sở Giáo dục và Đào tạo"),
    ("101", AgencyKind.POLICE, "Công an thành phố Hải Phòng"),
    ("102", AgencyKind.SOCIAL_INSURANCE, "Bảo hiểm xã hội thành phố Hải Phòng"),
    ("103", AgencyKind.MILITARY, "Bộ Chỉ huy Quân sự thành phố Hải Phòng"),
    ("104", AgencyKind.LAND_REGISTRATION, "Văn phòng đăng ký đất đai thành phố Hải Phòng – Chi nhánh Tứ Kỳ"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    unit_code: str
    role: str
    agency: str | None = None  # identifier


# The four people of a demo commune: username suffix, first and last name.
COMMUNE_PEOPLE = {
    Role.DESK_OFFICER: ("motcua", "Hoa", "Lê Thị"),
    Role.PROCESSING_OFFICER: ("chuyenmon", "Nam", "Hoàng Văn"),
    Role.FOCAL_OFFICER: ("daumoi", "Yến", "Ngô Hải"),
    Role.UNIT_LEADER: ("lanhdao", "Sơn", "Đặng Xuân"),
}


def _commune_users(communes: dict[str, str], suffix: str) -> list[DemoUser]:
    users = []
    for number, (code, slug) in enumerate(communes.items(), start=1):
        for role, (name, first, last) in COMMUNE_PEOPLE.items():
            users.append(DemoUser(f"{slug}.{name}", first, last, code, role, f"000.{number:02d}.{suffix}"))
    return users


def _demo_users(tree: str = DEFAULT_TREE) -> list[DemoUser]:
    if tree == "2025":
        city = [
            DemoUser("haiphong.vanphong", "Thảo", "Đỗ Phương", CITY_CODE, Role.DISTRICT_OFFICE, f"001.00.{CITY_ID_SUFFIX}"),
            DemoUser("haiphong.quantri", "Quân", "Bùi Anh", CITY_CODE, Role.ADMINISTRATOR),
        ]
        return city + _commune_users(CITY_COMMUNES, CITY_ID_SUFFIX)
    district = [
        DemoUser("tuky.motcua", "Lan", "Nguyễn Thị", DISTRICT_CODE, Role.DESK_OFFICER, f"000.00.{ID_SUFFIX}"),
        DemoUser("tuky.chuyenmon", "Hùng", "Trần Văn", DISTRICT_CODE, Role.PROCESSING_OFFICER, f"001.00.{ID_SUFFIX}"),
        DemoUser("tuky.daumoi", "Hà", "Phạm Thu", DISTRICT_CODE, Role.FOCAL_OFFICER, f"008.00.{ID_SUFFIX}"),
        DemoUser("tuky.lanhdao", "Minh", "Vũ Đức", DISTRICT_CODE, Role.UNIT_LEADER, f"000.00.{ID_SUFFIX}"),
        DemoUser("tuky.vanphong", "Thảo", "Đỗ Phương", DISTRICT_CODE, Role.DISTRICT_OFFICE, f"008.00.{ID_SUFFIX}"),
        DemoUser("tuky.quantri", "Quân", "Bùi Anh", DISTRICT_CODE, Role.ADMINISTRATOR),
    ]
    return district + _commune_users(DEMO_COMMUNES, ID_SUFFIX)


def demo_tree_refusal(tree: str) -> str | None:
    """Why the demo ``tree`` cannot be loaded into this database (it holds the other one), or None."""
    latest = AdministrativeUnit.objects.aggregate(latest=Max("valid_from"))["latest"]
    if tree == "2025" and latest is None and AdministrativeUnit.objects.exists():
        return ("This database holds units without a history (the 2023 demo, or units imported by hand): "
                "load the 2025 demo into an empty database.")
    if tree == "2023" and latest is not None:
        return ("This database holds units with a history (the 2025 demo): the 2023 demo would rewrite the units "
                "in force. Load it into an empty database, or run `seed_demo --tree 2025`.")
    return None


def _import_units(tree: str) -> None:
    """Import the tree's unit files in order, each once (a file whose day is already recorded is skipped)."""
    steps = UNIT_HISTORY if tree == "2025" else ((UNITS_FILE, None),)
    latest = AdministrativeUnit.objects.aggregate(latest=Max("valid_from"))["latest"]
    for path, effective in steps:
        if latest is not None and (effective is None or effective <= latest):
            continue  # imported by an earlier run
        units_import(rows=read_rows(path, required=UNIT_COLUMNS, aliases=UNIT_HEADER_ALIASES), effective=effective)


def _seed_agencies(top: AdministrativeUnit, agencies: list, communes: dict[str, str], suffix: str) -> None:
    """The top unit's own agencies, then a People's Committee for every commune ever placed under it:
    the demo communes first, then the others as they came (the original ones by code, then the later
    ones). An ended unit's agencies are kept, switched off."""
    for number, kind, name in agencies:
        Agency.objects.update_or_create(
            identifier=f"{number}.00.{suffix}",
            defaults={"unit": top, "kind": kind, "name": name, "is_active": top.is_active},
        )
    children = top.children.filter(level=UnitLevel.COMMUNE).order_by(F("valid_from").asc(nulls_first=True), "code")
    demo_numbers = {code: n for n, code in enumerate(communes, start=1)}
    next_number = len(demo_numbers) + 1
    for commune in children:
        number = demo_numbers.pop(commune.code, None)  # the first unit of that code; a later one is another
        if number is None:
            number, next_number = next_number, next_number + 1
        Agency.objects.update_or_create(
            identifier=f"000.{number:02d}.{suffix}",
            defaults={"unit": commune, "kind": AgencyKind.PEOPLES_COMMITTEE, "name": f"Ủy ban nhân dân {commune.name}",
                      "is_active": commune.is_active},
        )


@transaction.atomic
def demo_seed(tree: str = DEFAULT_TREE) -> dict[str, int]:
    """Load the demo tree's units, their agencies, the calendar and the demo users. Returns counts."""
    refusal = demo_tree_refusal(tree)
    if refusal:
        raise ValueError(refusal)
    _import_units(tree)
    holidays_preload()
    district = AdministrativeUnit.objects.by_key(DISTRICT_CODE)
    _seed_agencies(district, DISTRICT_AGENCIES, DEMO_COMMUNES, ID_SUFFIX)
    top = district
    if tree == "2025":
        top = AdministrativeUnit.objects.by_key(CITY_CODE)
        _seed_agencies(top, CITY_AGENCIES, CITY_COMMUNES, CITY_ID_SUFFIX)

    User = get_user_model()
    created = 0
    for demo in _demo_users(tree):
        user, was_created = User.objects.get_or_create(
            username=demo.username,
            defaults={"first_name": demo.first_name, "last_name": demo.last_name},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            created += 1
        user.first_name, user.last_name = demo.first_name, demo.last_name
        user.is_staff = user.is_superuser = demo.role == Role.ADMINISTRATOR
        user.save()
        StaffMembership.objects.update_or_create(
            user=user,
            defaults={
                "unit": AdministrativeUnit.objects.by_key(demo.unit_code),
                "agency": Agency.objects.get(identifier=demo.agency) if demo.agency else None,
                "role": demo.role,
            },
        )
    return {
        "units": AdministrativeUnit.objects.count(),
        "agencies": Agency.objects.for_unit(top).count(),
        "users_created": created,
    }


def demo_user_table(tree: str = DEFAULT_TREE) -> list[DemoUser]:
    return _demo_users(tree)
