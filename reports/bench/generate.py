"""A synthetic province in PostgreSQL, generated in SQL: never one ORM save per dossier.

The reference data (one province, 15 districts, ~285 communes, their People's Committees and the
district offices with electronic identifiers, 40 fields, a few hundred procedures with one
version each, posted where they are handled) is small and written with bulk inserts. The dossiers
are drawn by one ``INSERT … SELECT`` over ``generate_series`` with ``random()`` after
``setseed``, so the same size and seed give the same rows:

- two years up to now; direct and postal dossiers on working days in the desk's sessions, online
  ones (≈70 %) at any hour, fewer at weekends;
- units weighted unevenly (a busy ward takes several times a quiet commune's load), ≈35 % of the
  dossiers at district desks, 3 % of the communes' inter-connected (liên thông: handled at the
  district);
- processing time from the procedure, the due moment walked forward over working days (weekends,
  holidays and make-up days from the holiday table; the session arithmetic is approximate);
- outcomes mostly early, ~15 % on time, ~1 % late; 0.4 % refused at intake; a few withdrawn or
  returned unresolved; whatever would be resolved after now is still pending (within time, or
  overdue), with some paused; 0.2 % stragglers never closed;
- codes in the portal's own format ``{identifier}-{YYMMDD}-{NNNN}``, daily counters set past them;
- the steps (receive, resolve or the side exit, return) and pauses.

The bulk load runs with the audit trail and the foreign-key triggers switched off for its own
session (the rows are consistent by construction) and the secondary indexes dropped and rebuilt
afterwards, which is how one loads a history; VACUUM ANALYZE and a CHECKPOINT follow, so that the
measurements start from a settled database.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from motcua.calendar import VN_TZ
from motcua.models import AdministrativeUnit, Agency, AgencyKind, Role, StaffMembership, UnitKind, UnitLevel
from procedures.models import Field, OnlineLevel, Posting, Procedure, ProcedureVersion, Sector

SEED = 0.4217
DAYS = 730
PROVINCE_CODE = "99"
PROVINCE_NAME = "Tỉnh Thái Hòa"
IDENTIFIER_SUFFIX = "H99"
BENCH_PASSWORD = "bench-password-2026"  # throwaway database only
DISTRICT_SHARE = 0.35  # dossiers received at district desks
INTERCONNECTED_SHARE = 0.03  # of a commune's dossiers: handled at the district (liên thông)

DISTRICTS = [
    ("Thành phố Thái Hòa", UnitKind.CITY), ("Thị xã An Lạc", UnitKind.TOWN), ("Huyện Bình Sơn", UnitKind.RURAL_DISTRICT),
    ("Huyện Tứ Kỳ", UnitKind.RURAL_DISTRICT), ("Huyện Gia Lộc", UnitKind.RURAL_DISTRICT),
    ("Huyện Thanh Hà", UnitKind.RURAL_DISTRICT), ("Huyện Nam Sách", UnitKind.RURAL_DISTRICT),
    ("Huyện Cẩm Giàng", UnitKind.RURAL_DISTRICT), ("Huyện Kim Thành", UnitKind.RURAL_DISTRICT),
    ("Huyện Ninh Giang", UnitKind.RURAL_DISTRICT), ("Huyện Thanh Miện", UnitKind.RURAL_DISTRICT),
    ("Huyện Bình Giang", UnitKind.RURAL_DISTRICT), ("Huyện Kinh Môn", UnitKind.RURAL_DISTRICT),
    ("Huyện Chí Linh", UnitKind.RURAL_DISTRICT), ("Huyện Đức Phổ", UnitKind.RURAL_DISTRICT),
]
PLACE_WORDS = (
    "An Bình Hòa Thịnh Phú Tân Hưng Long Thạnh Đông Tây Nam Bắc Minh Quang Đức Hà Hồng Kỳ Sơn Thành Lạc Phúc "
    "Lộc Thuận Nghĩa Tiến Hợp Thanh Hải Trung Cường Văn Vĩnh Xuân Yên Đại Cộng Tái Hiệp Liên Ngọc Phượng Dân "
    "Chí Tiên Kim Mỹ Lương Khánh Quý Hoàng Trường"
).split()
OFFICES = [
    ("Phòng Tư pháp", AgencyKind.SPECIALISED_OFFICE), ("Phòng Tài chính - Kế hoạch", AgencyKind.SPECIALISED_OFFICE),
    ("Phòng Nội vụ", AgencyKind.SPECIALISED_OFFICE), ("Phòng Văn hóa và Thông tin", AgencyKind.SPECIALISED_OFFICE),
    ("Phòng Lao động - Thương binh và Xã hội", AgencyKind.SPECIALISED_OFFICE),
    ("Phòng Tài nguyên và Môi trường", AgencyKind.SPECIALISED_OFFICE),
    ("Phòng Kinh tế - Hạ tầng", AgencyKind.SPECIALISED_OFFICE), ("Công an huyện", AgencyKind.POLICE),
    ("Bảo hiểm xã hội huyện", AgencyKind.SOCIAL_INSURANCE),
    ("Văn phòng đăng ký đất đai - Chi nhánh", AgencyKind.LAND_REGISTRATION),
]

# code, name, commune procedures, district procedures, commune weight, district weight, processing days
MAIN_FIELDS = [
    ("CT", "Chứng thực", 10, 8, 55, 12, ("0", "0", "0.5", "1")),
    ("HT", "Hộ tịch", 24, 12, 22, 4, ("0", "1", "3", "5")),
    ("BTXH", "Bảo trợ xã hội", 8, 8, 4, 3, ("5", "7", "10")),
    ("NCC", "Người có công", 6, 10, 2, 2, ("5", "10", "15")),
    ("DD", "Đất đai", 4, 30, 2, 30, ("10", "15", "20", "30")),
    ("XD", "Xây dựng", 2, 10, 0.5, 7, ("15", "20")),
    ("HKD", "Hộ kinh doanh", 0, 6, 0, 9, ("3",)),
    ("CTR", "Cư trú", 6, 0, 6, 0, ("1", "2", "3")),
    ("XLD", "Giải quyết khiếu nại, xử lý đơn", 2, 4, 0.5, 1, ("10", "30")),
    ("BHXH", "Bảo hiểm xã hội", 0, 12, 0, 6, ("3", "5", "10")),
]
OTHER_FIELDS = [
    ("TG", "Tôn giáo"), ("VH", "Văn hóa cơ sở"), ("TDTT", "Thể dục thể thao"), ("DL", "Du lịch"),
    ("GD", "Giáo dục và Đào tạo"), ("YT", "Y tế"), ("LDTL", "Lao động - Tiền lương"), ("VL", "Việc làm"),
    ("ATLD", "An toàn lao động"), ("TE", "Trẻ em"), ("GN", "Giảm nghèo"), ("PCTNXH", "Phòng, chống tệ nạn xã hội"),
    ("NN", "Nông nghiệp"), ("TL", "Thủy lợi"), ("LN", "Lâm nghiệp"), ("TS", "Thủy sản"), ("MT", "Môi trường"),
    ("TNN", "Tài nguyên nước"), ("KS", "Khoáng sản"), ("GT", "Giao thông vận tải"), ("CTH", "Công thương"),
    ("LTHH", "Lưu thông hàng hóa"), ("TC", "Tài chính"), ("KHDT", "Kế hoạch và Đầu tư"), ("HTX", "Kinh tế hợp tác xã"),
    ("TDKT", "Thi đua, khen thưởng"), ("NV", "Nội vụ"), ("PBGD", "Phổ biến, giáo dục pháp luật"),
    ("HGCS", "Hòa giải ở cơ sở"), ("NVQS", "Nghĩa vụ quân sự"),
]
REAL_NAMES = {
    "CT": ["Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực chữ ký trong các giấy tờ, văn bản",
           "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "Chứng thực việc sửa đổi, bổ sung hợp đồng"],
    "HT": ["Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử", "Đăng ký nhận cha, mẹ, con",
           "Cấp bản sao trích lục hộ tịch", "Cấp giấy xác nhận tình trạng hôn nhân", "Đăng ký lại khai sinh"],
    "DD": ["Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "Đăng ký biến động quyền sử dụng đất",
           "Chuyển mục đích sử dụng đất phải được phép", "Tách thửa hoặc hợp thửa đất"],
    "XD": ["Cấp giấy phép xây dựng nhà ở riêng lẻ", "Điều chỉnh giấy phép xây dựng"],
    "HKD": ["Đăng ký thành lập hộ kinh doanh", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh"],
    "CTR": ["Đăng ký thường trú", "Đăng ký tạm trú", "Xóa đăng ký thường trú"],
    "BTXH": ["Trợ cấp xã hội hàng tháng đối với đối tượng bảo trợ xã hội", "Hỗ trợ chi phí mai táng"],
}
FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Mai Trịnh Đào".split()
MIDDLE = "Văn Thị Hữu Đức Minh Ngọc Thanh Quang Xuân Thu Kim Hồng Công Bảo Gia".split()
GIVEN = (
    "An Bình Cường Dũng Hà Hải Hạnh Hoa Hùng Lan Linh Long Mai Minh Nam Nga Phương Quân Sơn Thảo Trang Tuấn "
    "Vân Yến Hiếu Hòa Khánh Lộc Nhung Oanh Phúc Quỳnh Tâm Thắng Thủy Tiến Trung Tú Việt Vinh"
).split()


@dataclass
class Generated:
    size: int
    seconds: float
    steps: dict[str, float]


def _pick_array(weights: dict[int, float], length: int) -> list[int]:
    """Ids repeated in proportion to their weights (largest remainder): ``arr[1 + floor(random()*n)]``
    in SQL draws an id with these odds."""
    total = sum(weights.values())
    exact = {key: length * weight / total for key, weight in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    rest = length - sum(counts.values())
    for key in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:rest]:
        counts[key] += 1
    return [key for key, count in counts.items() for _ in range(count)]


def _build_units(rng: random.Random) -> tuple[AdministrativeUnit, list[AdministrativeUnit], list[AdministrativeUnit]]:
    province = AdministrativeUnit.objects.create(
        code=PROVINCE_CODE, name=PROVINCE_NAME, level=UnitLevel.PROVINCE, kind=UnitKind.PROVINCE,
        path=f"{PROVINCE_CODE}/", depth=0,
    )
    districts = AdministrativeUnit.objects.bulk_create([
        AdministrativeUnit(code=f"9{d:02d}", name=name, level=UnitLevel.DISTRICT, kind=kind, parent=province,
                           path=f"{PROVINCE_CODE}/9{d:02d}/", depth=1)
        for d, (name, kind) in enumerate(DISTRICTS, start=1)
    ])
    communes = []
    for d, district in enumerate(districts, start=1):
        for c in range(1, rng.randint(15, 23) + 1):
            first, second = rng.sample(PLACE_WORDS, 2)
            kind = UnitKind.WARD if district.kind == UnitKind.CITY else (UnitKind.TOWNSHIP if c == 1 else UnitKind.COMMUNE)
            label = {UnitKind.WARD: "Phường", UnitKind.TOWNSHIP: "Thị trấn"}.get(kind, "Xã")
            code = f"9{d:02d}{c:02d}"
            communes.append(AdministrativeUnit(
                code=code, name=f"{label} {first} {second}", level=UnitLevel.COMMUNE, kind=kind, parent=district,
                path=f"{district.path}{code}/", depth=2,
            ))
    communes = AdministrativeUnit.objects.bulk_create(communes)
    return province, districts, communes


def _build_agencies(province, districts, communes) -> dict[int, str]:
    """Each unit's People's Committee (its identifier starts the dossier codes) and the district offices."""
    agencies = [Agency(unit=province, name=f"Ủy ban nhân dân {province.name}", kind=AgencyKind.PEOPLES_COMMITTEE,
                       identifier=f"000.00.00.{IDENTIFIER_SUFFIX}")]
    district_index = {district.id: d for d, district in enumerate(districts, start=1)}
    for d, district in enumerate(districts, start=1):
        agencies.append(Agency(unit=district, name=f"Ủy ban nhân dân {district.name}",
                               kind=AgencyKind.PEOPLES_COMMITTEE, identifier=f"000.00.{d:02d}.{IDENTIFIER_SUFFIX}"))
        for k, (name, kind) in enumerate(OFFICES, start=1):
            agencies.append(Agency(unit=district, name=name, kind=kind, identifier=f"000.{80 + k:02d}.{d:02d}.{IDENTIFIER_SUFFIX}"))
    for commune in communes:
        d, c = district_index[commune.parent_id], int(commune.code[-2:])
        agencies.append(Agency(unit=commune, name=f"Ủy ban nhân dân {commune.name}",
                               kind=AgencyKind.PEOPLES_COMMITTEE, identifier=f"000.{c:02d}.{d:02d}.{IDENTIFIER_SUFFIX}"))
    Agency.objects.bulk_create(agencies)
    return {a.unit_id: a.identifier for a in agencies if a.kind == AgencyKind.PEOPLES_COMMITTEE}


def _build_catalogue(rng: random.Random, districts, communes, now: datetime):
    """Fields, procedures (one version each, valid since 2020) and their postings. Returns the
    weighted picks: commune procedures, district procedures, inter-connected ones."""
    specs = list(MAIN_FIELDS) + [(code, name, 2, 4, 0.25, 0.6, ("3", "5", "10", "15")) for code, name in OTHER_FIELDS]
    fields = Field.objects.bulk_create([Field(code=code, name=name) for code, name, *_ in specs])
    by_code = {f.code: f for f in fields}
    procedures, weights = [], {}
    serial = 0
    for code, name, n_commune, n_district, w_commune, w_district, days in specs:
        for level, count, share in ((UnitLevel.COMMUNE, n_commune, w_commune), (UnitLevel.DISTRICT, n_district, w_district)):
            for k in range(count):
                serial += 1
                real = REAL_NAMES.get(code, [])
                title = real[k] if k < len(real) else f"Thủ tục lĩnh vực {name.lower()} số {k + 1:02d}"
                if level == UnitLevel.DISTRICT and k < len(real):
                    title = f"{title} (cấp huyện)"
                sector = Sector.LOCAL
                if code == "CTR":
                    sector = Sector.POLICE
                elif code == "BHXH":
                    sector = Sector.SOCIAL_INSURANCE
                procedure = Procedure(
                    code=f"2.{100000 + serial}", name=title, field=by_code[code], level=level, sector=sector,
                    processing_days=Decimal(rng.choice(days)), online_level=rng.choice(
                        [OnlineLevel.FULL, OnlineLevel.FULL, OnlineLevel.PARTIAL, OnlineLevel.NONE]),
                    interconnected_with=UnitLevel.COMMUNE if level == UnitLevel.DISTRICT and k < 2
                    and code in ("HT", "DD", "BTXH", "NCC") else "",
                    decision_number="1234/QĐ-UBND", decision_date=date(2024, 3, 1), decision_issuer="Chủ tịch UBND tỉnh",
                    fee_text="" if code in ("HT", "BTXH", "NCC") else "Theo quy định", effective_from=date(2024, 3, 1),
                )
                procedure.refresh_search_text()
                procedures.append(procedure)
                weights[serial - 1] = (level, share / (k + 1.5))  # Zipf-like within a field
    procedures = Procedure.objects.bulk_create(procedures)
    valid_from = datetime(2020, 1, 1, tzinfo=VN_TZ)
    ProcedureVersion.objects.bulk_create([
        ProcedureVersion(
            procedure=p, number=1, valid_from=valid_from, source=ProcedureVersion.Source.IMPORT, changes={},
            terms={"processing_days": str(p.processing_days.normalize()), "cutoff_applies": False, "cutoff_time": "15:00",
                   "fees": [], "fee_total": 0, "fee_text": p.fee_text},
        )
        for p in procedures
    ])
    posted = timezone.localdate(now) - timedelta(days=DAYS + 60)
    postings = [
        Posting(unit=unit, procedure=p, posted_at_desk=posted, posted_on_website=posted)
        for p in procedures
        for unit in (communes if p.level == UnitLevel.COMMUNE else districts)
    ]
    Posting.objects.bulk_create(postings, batch_size=5000)
    commune_w = {p.id: weights[i][1] for i, p in enumerate(procedures) if weights[i][0] == UnitLevel.COMMUNE}
    district_w = {p.id: weights[i][1] for i, p in enumerate(procedures) if weights[i][0] == UnitLevel.DISTRICT}
    interconnected = {p.id: district_w[p.id] for p in procedures if p.interconnected_with}
    return _pick_array(commune_w, 10_000), _pick_array(district_w, 10_000), _pick_array(interconnected, 1_000)


def _build_users(province, busy_commune, busy_district) -> None:
    User = get_user_model()
    for username, unit, role in (
        ("bench.desk.commune", busy_commune, Role.DESK_OFFICER),
        ("bench.desk.district", busy_district, Role.DESK_OFFICER),
        ("bench.district.office", busy_district, Role.DISTRICT_OFFICE),
        ("bench.province", province, Role.ADMINISTRATOR),
    ):
        user = User.objects.create_user(username=username, password=BENCH_PASSWORD, first_name="Bench", last_name=username)
        StaffMembership.objects.create(user=user, unit=unit, role=role)


def _days(now: datetime) -> tuple[date, list[date], list[date], list[int], int]:
    """The range's first day, working days (to the range's end + 120 days, for due moments), all days,
    and for each day of the range the number of working days up to it."""
    from motcua.selectors import work_calendar

    calendar = work_calendar()
    today = timezone.localtime(now, VN_TZ).date()
    first = today - timedelta(days=DAYS - 1)
    all_days = [first + timedelta(days=i) for i in range(DAYS + 180)]
    working = [day for day in all_days if calendar.is_working_day(day)]
    counts, seen = [], 0
    working_set = set(working)
    for day in all_days:
        seen += day in working_set
        counts.append(seen)
    picked_working = sum(1 for day in working if day <= today)
    return first, working, [d for d in all_days if d <= today], counts, picked_working


STAGE_SQL = """
CREATE UNLOGGED TABLE bench_stage AS
WITH draws AS (
    SELECT g AS n, random() AS r_unit, random() AS r_ic, random() AS r_proc, random() AS r_chan, random() AS r_wd,
           random() AS r_day, random() AS r_time, random() AS r_out, random() AS r_plan, random() AS r_res,
           random() AS r_ret, random() AS r_stat, random() AS r_dig, random() AS r_pay, random() AS r_name,
           random() AS r_id, random() AS r_phone, random() AS r_kind
    FROM generate_series(1, %(size)s) g
), picked AS (
    SELECT r.*, u.id AS receiving_unit_id, u.level AS unit_level, u.identifier,
           (u.level = 'commune' AND r.r_ic < %(ic_share)s) AS interconnected,
           CASE WHEN r.r_chan < 0.70 THEN 'online' WHEN r.r_chan < 0.97 THEN 'direct' ELSE 'postal' END AS channel
    FROM draws r
    JOIN bench_unit u ON u.id = (%(units)s::bigint[])[1 + floor(r.r_unit * %(n_units)s)::int]
), placed AS (
    SELECT p.*,
           CASE WHEN p.interconnected THEN u.parent_id ELSE p.receiving_unit_id END AS handling_unit_id,
           CASE WHEN p.interconnected THEN (%(ic_procs)s::bigint[])[1 + floor(p.r_proc * %(n_ic)s)::int]
                WHEN p.unit_level = 'commune' THEN (%(commune_procs)s::bigint[])[1 + floor(p.r_proc * 10000)::int]
                ELSE (%(district_procs)s::bigint[])[1 + floor(p.r_proc * 10000)::int] END AS procedure_id,
           CASE WHEN p.channel <> 'online' OR p.r_wd < 0.85
                THEN (%(workdays)s::date[])[1 + floor(p.r_day * %(n_pick_work)s)::int]
                ELSE (%(alldays)s::date[])[1 + floor(p.r_day * %(n_all)s)::int] END AS day
    FROM picked p JOIN bench_unit u ON u.id = p.receiving_unit_id
), timed AS (
    SELECT p.*, pr.days, pr.fee_total,
           p.day + make_interval(mins => CASE WHEN p.channel = 'online' THEN 360 + floor(p.r_time * 1020)::int
                                              WHEN p.r_time < 0.5 THEN 450 + floor(p.r_time * 480)::int
                                              ELSE 810 + floor((p.r_time - 0.5) * 480)::int END,
                                 secs => floor(p.r_res * 60)::int) AS local_raw
    FROM placed p JOIN bench_proc pr ON pr.id = p.procedure_id
), received AS MATERIALIZED (
    SELECT t.*,
           CASE WHEN (t.local_raw AT TIME ZONE 'Asia/Ho_Chi_Minh') > %(now)s THEN t.local_raw - interval '1 day'
                ELSE t.local_raw END AS received_local
    FROM timed t
), counted AS (
    SELECT r.*,
           (%(counts)s::int[])[(r.received_local::date - %(first)s::date) + 1] AS k_day,
           (%(is_working)s::boolean[])[(r.received_local::date - %(first)s::date) + 1] AS working,
           r.received_local::time AS t
    FROM received r
), started AS (
    SELECT c.*,
           CASE WHEN c.working AND c.t < '17:30' THEN c.k_day ELSE c.k_day + 1 END AS k_start,
           CASE WHEN NOT c.working OR c.t >= '17:30' THEN time '07:30'
                WHEN c.t < '07:30' THEN time '07:30'
                WHEN c.t >= '11:30' AND c.t < '13:30' THEN time '13:30'
                ELSE c.t END AS start_time
    FROM counted c
), due AS MATERIALIZED (
    SELECT s.*,
           ((%(workdays)s::date[])[s.k_start] + s.start_time) AS counting_local,
           CASE WHEN s.days = 0 THEN (%(workdays)s::date[])[s.k_start] + time '17:30'
                ELSE (%(workdays)s::date[])[s.k_start + ceil(s.days)::int] + s.start_time END AS due_local
    FROM started s
), planned AS (
    SELECT d.*,
           CASE WHEN d.r_out < 0.004 THEN 'refused'
                WHEN d.r_out < 0.006 THEN 'straggler'
                WHEN d.r_plan < 0.84 AND d.due_local::date > d.received_local::date THEN 'early'
                WHEN d.r_plan < 0.99 THEN 'on_time'
                ELSE 'late' END AS plan
    FROM due d
), resolved AS (
    SELECT p.*,
           CASE p.plan
               WHEN 'early' THEN p.received_local + p.r_res * (p.due_local::date::timestamp - p.received_local)
               WHEN 'on_time' THEN greatest(p.received_local, p.due_local::date + time '07:30')
                                   + p.r_res * (p.due_local - greatest(p.received_local, p.due_local::date + time '07:30'))
               WHEN 'late' THEN p.due_local + interval '30 minutes' + p.r_res * interval '8 days'
           END AS resolved_local
    FROM planned p
)
SELECT r.n, r.receiving_unit_id, r.handling_unit_id, r.procedure_id, r.identifier, r.channel, r.days, r.fee_total,
       r.received_local, r.received_local AT TIME ZONE 'Asia/Ho_Chi_Minh' AS received_at,
       CASE WHEN r.plan = 'refused' THEN r.received_local ELSE r.counting_local END AT TIME ZONE 'Asia/Ho_Chi_Minh' AS counting_from,
       CASE WHEN r.plan = 'refused' THEN r.received_local ELSE r.due_local END AT TIME ZONE 'Asia/Ho_Chi_Minh' AS due_at,
       r.plan,
       CASE WHEN (r.resolved_local AT TIME ZONE 'Asia/Ho_Chi_Minh') <= %(now)s
            THEN r.resolved_local AT TIME ZONE 'Asia/Ho_Chi_Minh' END AS resolved_at,
       r.r_ret, r.r_stat, r.r_dig, r.r_pay, r.r_name, r.r_id, r.r_phone, r.r_kind
FROM resolved r
"""

INSERT_SQL = """
INSERT INTO dossiers_dossier (
    code, receiving_unit_id, handling_unit_id, procedure_id, procedure_version, processing_days, cutoff_applies,
    cutoff_time, fees, fee_total, agency_id, officer_id, received_by_id, applicant_kind, applicant_name,
    applicant_id_number, applicant_phone, applicant_address, applicant_email, channel, received_at, counting_from,
    due_at, status, resolved_at, outcome, returned_at, return_channel, components_digitised, result_digitised,
    paid_online, notes, imported, created_at, updated_at)
SELECT s.code, s.receiving_unit_id, s.handling_unit_id, s.procedure_id, 1, s.days, false,
       NULL, '[]'::jsonb, s.fee_total, NULL, NULL, NULL,
       CASE WHEN s.r_kind < 0.05 THEN 'organisation' ELSE 'person' END,
       CASE WHEN s.r_kind < 0.05 THEN 'Công ty TNHH ' || (%(given)s::text[])[1 + floor(s.r_name * %(n_given)s)::int]
                                      || ' ' || (%(family)s::text[])[1 + floor(s.r_id * %(n_family)s)::int]
            ELSE (%(family)s::text[])[1 + floor(s.r_name * %(n_family)s)::int] || ' '
                 || (%(middle)s::text[])[1 + floor(s.r_phone * %(n_middle)s)::int] || ' '
                 || (%(given)s::text[])[1 + floor(s.r_id * %(n_given)s)::int] END,
       CASE WHEN s.r_kind < 0.05 OR s.r_kind > 0.93 THEN '' ELSE lpad(floor(s.r_id * 1e12)::bigint::text, 12, '0') END,
       '0' || (ARRAY['9', '8', '3', '7', '5'])[1 + floor(s.r_phone * 5)::int] || lpad(floor(s.r_phone * 1e13)::bigint %% 100000000 || '', 8, '0'),
       'Thôn ' || (1 + floor(s.r_name * 12)::int), '', s.channel, s.received_at, s.counting_from, s.due_at,
       s.status, s.resolved_at, s.outcome, s.returned_at,
       CASE WHEN s.returned_at IS NULL THEN '' WHEN s.channel = 'online' THEN 'online'
            WHEN s.channel = 'postal' THEN 'post' ELSE 'desk' END,
       CASE WHEN s.channel = 'online' THEN (CASE WHEN s.r_dig < 0.85 THEN 'full' WHEN s.r_dig < 0.95 THEN 'partial' ELSE 'none' END)
            ELSE (CASE WHEN s.r_dig < 0.40 THEN 'full' WHEN s.r_dig < 0.60 THEN 'partial' ELSE 'none' END) END,
       s.resolved_at IS NOT NULL AND s.r_pay < 0.45,
       s.channel = 'online' AND s.r_pay < 0.55 AND s.status <> 'refused',
       '', false, s.received_at, coalesce(s.returned_at, s.resolved_at, s.received_at)
FROM (
    SELECT st.*,
           st.identifier || '-' || to_char(st.received_local, 'YYMMDD') || '-'
           || lpad(row_number() OVER (PARTITION BY st.receiving_unit_id, st.received_local::date
                                      ORDER BY st.received_local, st.n)::text, 4, '0') AS code,
           CASE WHEN st.plan = 'refused' THEN 'refused'
                WHEN st.resolved_at IS NULL THEN
                    CASE WHEN st.r_stat < 0.03 THEN 'paused' WHEN st.r_stat < 0.25 THEN 'received'
                         WHEN st.r_stat < 0.55 THEN 'transferred' ELSE 'in_progress' END
                WHEN st.r_stat < 0.004 THEN 'withdrawn'
                WHEN st.r_stat < 0.007 THEN 'returned_unresolved'
                WHEN st.r_stat < 0.009 OR st.resolved_at + st.r_ret * interval '3 days' > %(now)s THEN 'resolved'
                ELSE 'returned' END AS status,
           CASE WHEN st.resolved_at IS NULL THEN '' ELSE st.plan END AS outcome,
           CASE WHEN st.resolved_at IS NOT NULL AND st.r_stat >= 0.009
                     AND st.resolved_at + st.r_ret * interval '3 days' <= %(now)s
                THEN st.resolved_at + st.r_ret * interval '3 days' END AS returned_at
    FROM bench_stage st
) s
ORDER BY s.received_at, s.n
"""

PAUSES_SQL = """
INSERT INTO dossiers_pause (kind, reason, started_at, ended_at, dossier_id)
SELECT 'supplement', 'Yêu cầu bổ sung, hoàn thiện hồ sơ',
       CASE WHEN d.status = 'paused' THEN d.received_at + (%(now)s - d.received_at) * 0.5
            ELSE d.received_at + (d.resolved_at - d.received_at) * 0.25 END,
       CASE WHEN d.status = 'paused' THEN NULL ELSE d.received_at + (d.resolved_at - d.received_at) * 0.6 END,
       d.id
FROM dossiers_dossier d
WHERE d.status = 'paused' OR (d.resolved_at IS NOT NULL AND d.id %% 97 < 3)
"""

EVENTS_SQL = """
INSERT INTO dossiers_dossierevent (action, from_status, to_status, at, note, recorded_at, dossier_id, unit_id)
SELECT e.action, e.from_status, e.to_status, e.at, '', e.at, d.id, e.unit_id
FROM dossiers_dossier d
CROSS JOIN LATERAL (VALUES
    (CASE WHEN d.status = 'refused' THEN 'refuse' ELSE 'receive' END, '',
     CASE WHEN d.status = 'refused' THEN 'refused' ELSE 'received' END, d.received_at, d.receiving_unit_id),
    (CASE d.status WHEN 'withdrawn' THEN 'withdraw' WHEN 'returned_unresolved' THEN 'return_unresolved' ELSE 'resolve' END,
     'in_progress', CASE WHEN d.status IN ('withdrawn', 'returned_unresolved') THEN d.status ELSE 'resolved' END,
     d.resolved_at, d.handling_unit_id),
    ('return', 'resolved', 'returned', d.returned_at, d.receiving_unit_id)
) AS e(action, from_status, to_status, at, unit_id)
WHERE e.at IS NOT NULL
UNION ALL
SELECT e.action, e.from_status, e.to_status, e.at, '', e.at, p.dossier_id, NULL
FROM dossiers_pause p
CROSS JOIN LATERAL (VALUES ('pause', 'in_progress', 'paused', p.started_at), ('resume', 'paused', 'in_progress', p.ended_at))
    AS e(action, from_status, to_status, at)
WHERE e.at IS NOT NULL
"""

COUNTERS_SQL = """
INSERT INTO dossiers_dailycounter (unit_id, day, kind, last)
SELECT receiving_unit_id, received_local::date, 'dossier', count(*)
FROM bench_stage GROUP BY 1, 2
"""

BULK_TABLES = ("dossiers_dossier", "dossiers_pause", "dossiers_dossierevent")


def _secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the bulk tables' indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
          AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'
        """,
        [list(BULK_TABLES)],
    )
    return cursor.fetchall()


def already_generated() -> bool:
    return AdministrativeUnit.objects.filter(code=PROVINCE_CODE).exists()


def generate(*, size: int, now: datetime | None = None, log=print) -> Generated:
    """The province and ``size`` dossiers over two years up to ``now``; then VACUUM ANALYZE."""
    now = now or timezone.now()
    rng = random.Random(SEED)
    steps: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str, since: float) -> float:
        steps[name] = round(time.perf_counter() - since, 2)
        log(f"  {name}: {steps[name]:.1f} s")
        return time.perf_counter()

    with transaction.atomic(), connection.cursor() as cursor:
        mark = time.perf_counter()
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        # Synthetic history: no audit rows, and (when allowed) no per-row foreign-key triggers.
        cursor.execute("SET LOCAL motcua.audit_off = 'on'")
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # setseed is per process
        # The drawing query is one long chain of expressions: compiling it costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        province, districts, communes = _build_units(rng)
        identifiers = _build_agencies(province, districts, communes)
        commune_procs, district_procs, ic_procs = _build_catalogue(rng, districts, communes, now)
        # Uneven loads: district desks 0.5–2×, communes log-normal (a busy ward several times a quiet one).
        district_w = {u.id: rng.uniform(0.5, 2.0) for u in districts}
        commune_w = {u.id: rng.lognormvariate(0, 0.55) for u in communes}
        dsum, csum = sum(district_w.values()), sum(commune_w.values())
        weights = {**{k: DISTRICT_SHARE * v / dsum for k, v in district_w.items()},
                   **{k: (1 - DISTRICT_SHARE) * v / csum for k, v in commune_w.items()}}
        units_pick = _pick_array(weights, 20_000)
        busy_commune = max(communes, key=lambda u: commune_w[u.id])
        busy_district = max(districts, key=lambda u: district_w[u.id] + sum(commune_w[c.id] for c in communes if c.parent_id == u.id) / csum * dsum)
        _build_users(province, busy_commune, busy_district)
        mark = step("units, agencies, catalogue, postings, users", mark)

        first, workdays, alldays, counts, n_pick_work = _days(now)
        working_set = set(workdays)
        cursor.execute("CREATE TEMP TABLE bench_unit ON COMMIT DROP AS "
                       "SELECT u.id, u.level, u.parent_id, ''::text AS identifier FROM motcua_administrativeunit u")
        cursor.execute("UPDATE bench_unit SET identifier = v.identifier FROM unnest(%s::bigint[], %s::text[]) AS v(id, identifier) "
                       "WHERE bench_unit.id = v.id", [list(identifiers), list(identifiers.values())])
        cursor.execute("CREATE TEMP TABLE bench_proc ON COMMIT DROP AS "
                       "SELECT id, processing_days AS days, 0::bigint AS fee_total FROM procedures_procedure")
        cursor.execute("ANALYZE bench_unit; ANALYZE bench_proc")
        cursor.execute("SELECT setseed(%s)", [SEED])
        cursor.execute(STAGE_SQL, {
            "size": size, "ic_share": INTERCONNECTED_SHARE, "units": units_pick, "n_units": len(units_pick),
            "ic_procs": ic_procs, "n_ic": len(ic_procs), "commune_procs": commune_procs, "district_procs": district_procs,
            "workdays": workdays, "n_pick_work": n_pick_work, "alldays": alldays, "n_all": len(alldays),
            "now": now, "counts": counts, "is_working": [d in working_set for d in (first + timedelta(days=i) for i in range(len(counts)))],
            "first": first,
        })
        mark = step(f"draw {size:,} dossiers (staging table)", mark)

        indexes = _secondary_indexes(cursor)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(INSERT_SQL, {
            "now": now, "family": FAMILY, "n_family": len(FAMILY), "middle": MIDDLE, "n_middle": len(MIDDLE),
            "given": GIVEN, "n_given": len(GIVEN),
        })
        mark = step("insert dossiers (in receipt order, with codes)", mark)
        cursor.execute(PAUSES_SQL, {"now": now})
        cursor.execute(EVENTS_SQL)
        cursor.execute(COUNTERS_SQL)
        cursor.execute("DROP TABLE bench_stage")
        mark = step("pauses, steps, daily counters", mark)
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        mark = step(f"rebuild {len(indexes)} secondary indexes", mark)
    with connection.cursor() as cursor:
        mark = time.perf_counter()
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(BULK_TABLES))
        cursor.execute("ANALYZE")
        if superuser:
            # Write the load's gigabytes out now: otherwise the next checkpoint (and the kernel's writeback)
            # does it during the measurements, and every commit and page waits behind it.
            cursor.execute("CHECKPOINT")
        step("VACUUM ANALYZE, CHECKPOINT", mark)
    return Generated(size=size, seconds=round(time.perf_counter() - started, 1), steps=steps)
