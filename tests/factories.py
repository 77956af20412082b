from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from motcua.models import AdministrativeUnit, Agency, AgencyKind, Role, StaffMembership, UnitLevel
from motcua.services import unit_save

PASSWORD = "a-long-test-password-2026"


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
