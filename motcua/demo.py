"""Demo data: Tứ Kỳ district (Hải Dương) as it stood in 2023, its agencies and one user per role.

Idempotent: running it again updates names and roles and leaves passwords alone. The electronic
identifiers follow the pattern of Quyết định 20/2020/QĐ-TTg (office.commune.district.province)
but are demo values, not the official ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import AdministrativeUnit, Agency, AgencyKind, Role, StaffMembership
from .services import UNIT_COLUMNS, UNIT_HEADER_ALIASES, holidays_preload, units_import
from .tabular import read_rows

DEMO_PASSWORD = "motcua-demo-2026"
UNITS_FILE = Path(__file__).resolve().parent / "data" / "units-tu-ky-2023.csv"
PROVINCE_CODE, DISTRICT_CODE = "30", "298"
DEMO_COMMUNES = {"11089": "ngocky", "11074": "ttuky"}  # Xã Ngọc Kỳ, Thị trấn Tứ Kỳ
ID_SUFFIX = "12.H23"  # district 12 of province H23 in the demo numbering

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


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    unit_code: str
    role: str
    agency: str | None = None  # identifier


def _demo_users() -> list[DemoUser]:
    district = [
        DemoUser("tuky.motcua", "Lan", "Nguyễn Thị", DISTRICT_CODE, Role.DESK_OFFICER, f"000.00.{ID_SUFFIX}"),
        DemoUser("tuky.chuyenmon", "Hùng", "Trần Văn", DISTRICT_CODE, Role.PROCESSING_OFFICER, f"001.00.{ID_SUFFIX}"),
        DemoUser("tuky.daumoi", "Hà", "Phạm Thu", DISTRICT_CODE, Role.FOCAL_OFFICER, f"008.00.{ID_SUFFIX}"),
        DemoUser("tuky.lanhdao", "Minh", "Vũ Đức", DISTRICT_CODE, Role.UNIT_LEADER, f"000.00.{ID_SUFFIX}"),
        DemoUser("tuky.vanphong", "Thảo", "Đỗ Phương", DISTRICT_CODE, Role.DISTRICT_OFFICE, f"008.00.{ID_SUFFIX}"),
        DemoUser("tuky.quantri", "Quân", "Bùi Anh", DISTRICT_CODE, Role.ADMINISTRATOR),
    ]
    communes = []
    people = {
        Role.DESK_OFFICER: ("motcua", "Hoa", "Lê Thị"),
        Role.PROCESSING_OFFICER: ("chuyenmon", "Nam", "Hoàng Văn"),
        Role.FOCAL_OFFICER: ("daumoi", "Yến", "Ngô Hải"),
        Role.UNIT_LEADER: ("lanhdao", "Sơn", "Đặng Xuân"),
    }
    for number, (code, slug) in enumerate(DEMO_COMMUNES.items(), start=1):
        for role, (suffix, first, last) in people.items():
            communes.append(DemoUser(f"{slug}.{suffix}", first, last, code, role, f"000.{number:02d}.{ID_SUFFIX}"))
    return district + communes


@transaction.atomic
def demo_seed() -> dict[str, int]:
    """Load the demo district, its agencies, the calendar and the demo users. Returns counts."""
    units_import(rows=read_rows(UNITS_FILE, required=UNIT_COLUMNS, aliases=UNIT_HEADER_ALIASES))
    holidays_preload()
    district = AdministrativeUnit.objects.get(code=DISTRICT_CODE)

    for number, kind, name in DISTRICT_AGENCIES:
        Agency.objects.update_or_create(
            identifier=f"{number}.00.{ID_SUFFIX}", defaults={"unit": district, "kind": kind, "name": name}
        )
    communes = district.children.order_by("code")
    demo_numbers = {code: n for n, code in enumerate(DEMO_COMMUNES, start=1)}
    next_number = len(demo_numbers) + 1
    for commune in communes:
        number = demo_numbers.get(commune.code)
        if number is None:
            number, next_number = next_number, next_number + 1
        Agency.objects.update_or_create(
            identifier=f"000.{number:02d}.{ID_SUFFIX}",
            defaults={"unit": commune, "kind": AgencyKind.PEOPLES_COMMITTEE, "name": f"Ủy ban nhân dân {commune.name}"},
        )

    User = get_user_model()
    created = 0
    for demo in _demo_users():
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
                "unit": AdministrativeUnit.objects.get(code=demo.unit_code),
                "agency": Agency.objects.get(identifier=demo.agency) if demo.agency else None,
                "role": demo.role,
            },
        )
    return {
        "units": AdministrativeUnit.objects.count(),
        "agencies": Agency.objects.for_unit(district).count(),
        "users_created": created,
    }




def demo_user_table() -> list[DemoUser]:
    return _demo_users()
