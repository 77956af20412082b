"""One factory per entity, the shared moments and the personas' makers (the fixtures are in tests/conftest.py)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from motcua.calendar import VN_TZ
from motcua.models import AdministrativeUnit, Agency, AgencyKind, Role, StaffMembership, UnitLevel
from motcua.services import unit_save

PASSWORD = "a-long-test-password-2026"


def vn(*args) -> datetime:
    """An aware Vietnam (Asia/Ho_Chi_Minh) moment: ``vn(2026, 1, 19, 8, 0)``."""
    return datetime(*args, tzinfo=VN_TZ)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.Sequence(lambda n: f"Xã Thử {n}")
    level = UnitLevel.COMMUNE
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, so that path and depth are right, as in production.
        return unit_save(unit=model_class(*args, **kwargs))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Cơ quan {n}")
    kind = AgencyKind.PEOPLES_COMMITTEE
    identifier = factory.Sequence(lambda n: f"000.{n % 100:02d}.{n // 100:02d}.H99")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Lan"
    last_name = "Nguyễn Thị"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.DESK_OFFICER


def make_dossier(*, procedure, unit, received_at, due_at, code=None, handling_unit=None, status="received",
                 resolved_at=None, outcome="", channel="direct", **fields):
    """A dossier exactly as described, for figures built by hand (no services, no calendar)."""
    from dossiers.models import Dossier

    make_dossier.counter = getattr(make_dossier, "counter", 0) + 1
    return Dossier.objects.create(
        code=code or f"TEST-{make_dossier.counter:06d}",
        receiving_unit=unit,
        handling_unit=handling_unit or unit,
        procedure=procedure,
        processing_days=procedure.processing_days,
        applicant_name="Nguyễn Văn An",
        channel=channel,
        received_at=received_at,
        counting_from=received_at,
        due_at=due_at,
        status=status,
        resolved_at=resolved_at,
        outcome=outcome,
        **fields,
    )


def staff(unit, role, username, first_name="Lan", last_name="Nguyễn Thị", **user):
    """A staff member of ``unit`` with ``role`` (the user; the membership is ``user.membership``)."""
    return MembershipFactory(
        unit=unit, role=role, user__username=username, user__first_name=first_name, user__last_name=last_name,
        **{f"user__{key}": value for key, value in user.items()},
    ).user


# -- procedures ------------------------------------------------------------------------------------------

BIRTH_REGISTRATION_CODE = "1.001193"
BIRTH_REGISTRATION_NAME = "Thủ tục đăng ký khai sinh"
BIRTH_REGISTRATION_FEES = (("Lệ phí", 8000),)
BIRTH_REGISTRATION_COMPONENTS = (("Tờ khai đăng ký khai sinh", 1, 0), ("Giấy chứng sinh", 1, 0))


def procedure_make(code, name, *, field=("HT", "Hộ tịch"), level="commune", days=3, fees=(), components=(),
                   at=None, post_at=(), source=None, **terms):
    """A catalogue procedure through the service (a first version in force from ``at``), posted at ``post_at``.

    ``fees`` are FeeSpecs or (name, amount) pairs, ``components`` ComponentSpecs or (name, originals,
    copies) triples, ``field`` a
    (code, name) pair; ``at`` defaults to 01/01/2025 08:00, before every moment the tests use.
    """
    from procedures.models import Procedure, ProcedureVersion
    from procedures.parsing import ComponentSpec, FeeSpec
    from procedures.services import field_get_or_create, posting_set, procedure_save

    procedure = Procedure(
        code=code, name=name, field=field_get_or_create(code=field[0], name=field[1]), level=level,
        processing_days=Decimal(days), **terms,
    )
    procedure_save(
        procedure=procedure, fees=[fee if isinstance(fee, FeeSpec) else FeeSpec(*fee) for fee in fees],
        components=[item if isinstance(item, ComponentSpec) else ComponentSpec(*item) for item in components],
        source=source or ProcedureVersion.Source.IMPORT, at=at or vn(2025, 1, 1, 8, 0),
    )
    for unit in post_at:
        posting_set(unit=unit, procedure=procedure)
    return procedure


def birth_registration_make(*, name=BIRTH_REGISTRATION_NAME, days=3, fees=BIRTH_REGISTRATION_FEES,
                            components=BIRTH_REGISTRATION_COMPONENTS, **options):
    """Birth registration (1.001193, civil status): 3 working days, an 8.000 đồng fee, two papers."""
    return procedure_make(BIRTH_REGISTRATION_CODE, name, days=days, fees=fees, components=components, **options)
