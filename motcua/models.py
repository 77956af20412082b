"""Core models: administrative units, agencies, staff membership and the holiday calendar.

The unit tree is data. Each unit stores its materialised ``path`` (the codes from the root,
``30/298/11089/``) so the subtree is one indexed prefix query and the ancestors one lookup by
code, whatever the depth: province → district → commune and province → commune alike.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


# Higher in the tree ranks lower: a province (0) above a district (1) above a commune (2).
LEVEL_RANK = {UnitLevel.PROVINCE: 0, UnitLevel.DISTRICT: 1, UnitLevel.COMMUNE: 2}


class UnitKind(models.TextChoices):
    """The label a unit carries in its name; the level says where it sits in the tree."""

    PROVINCE = "tinh", _("Province (tỉnh)")
    CITY_PROVINCE = "thanh_pho_tw", _("Centrally-run city (thành phố trực thuộc trung ương)")
    RURAL_DISTRICT = "huyen", _("Rural district (huyện)")
    TOWN = "thi_xa", _("Town (thị xã)")
    CITY = "thanh_pho", _("Provincial city (thành phố)")
    URBAN_DISTRICT = "quan", _("Urban district (quận)")
    COMMUNE = "xa", _("Commune (xã)")
    WARD = "phuong", _("Ward (phường)")
    TOWNSHIP = "thi_tran", _("Township (thị trấn)")
    SPECIAL_ZONE = "dac_khu", _("Special zone (đặc khu)")


class AdministrativeUnitQuerySet(models.QuerySet):
    def subtree_of(self, unit: AdministrativeUnit) -> AdministrativeUnitQuerySet:
        """The unit itself and every unit below it."""
        return Scope.below(unit).filter(self)

    def for_user(self, user) -> AdministrativeUnitQuerySet:
        """Units a signed-in user may see (motcua.scope)."""
        return Scope.of(user).filter(self)

    def active(self) -> AdministrativeUnitQuerySet:
        return self.filter(is_active=True)


class AdministrativeUnit(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    code = models.CharField(
        _("code"), max_length=16, unique=True, help_text=_("Official statistical code (mã đơn vị hành chính).")
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes from the root, ending with the separator; kept by services only.
    path = models.CharField(max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Off for units dissolved or merged into another.")
    )

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        indexes = [
            # Subtree queries are `path LIKE 'x/%'`: a text_pattern_ops index serves them on PostgreSQL.
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def build_path(parent_path: str, code: str) -> str:
        return f"{parent_path}{code}{PATH_SEPARATOR}"

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to the parent, read off the path without a query."""
        return self.path.rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR)[:-1]

    def ancestors(self) -> models.QuerySet[AdministrativeUnit]:
        """The units above this one, root first (one query)."""
        return AdministrativeUnit.objects.filter(code__in=self.ancestor_codes).order_by("depth")

    def subtree(self) -> AdministrativeUnitQuerySet:
        """This unit and every unit below it (one query)."""
        return AdministrativeUnit.objects.subtree_of(self)

    def descendants(self) -> AdministrativeUnitQuerySet:
        return self.subtree().exclude(pk=self.pk)

    def contains(self, other: AdministrativeUnit) -> bool:
        """Whether ``other`` is this unit or lies below it; no query."""
        return other.path.startswith(self.path)


class AgencyKind(models.TextChoices):
    PEOPLES_COMMITTEE = "ubnd", _("People's Committee (UBND)")
    SPECIALISED_OFFICE = "phong", _("Specialised office (phòng chuyên môn)")
    POLICE = "cong_an", _("Police (Công an)")
    SOCIAL_INSURANCE = "bhxh", _("Social insurance (Bảo hiểm xã hội)")
    MILITARY = "quan_su", _("Military (Quân sự)")
    LAND_REGISTRATION = "dang_ky_dat_dai", _("Land registration office – branch (Văn phòng đăng ký đất đai – chi nhánh)")
    OTHER = "khac", _("Other agency")

    @classmethod
    def vertical(cls) -> set[str]:
        """Vertical-sector agencies (cơ quan ngành dọc) that receive at the one-stop desk."""
        return {cls.POLICE, cls.SOCIAL_INSURANCE, cls.MILITARY, cls.LAND_REGISTRATION}


class AgencyQuerySet(models.QuerySet):
    def for_unit(self, unit: AdministrativeUnit) -> AgencyQuerySet:
        """Agencies attached to the unit or to any unit below it."""
        return Scope.below(unit).filter(self, "unit")

    def for_user(self, user) -> AgencyQuerySet:
        return Scope.of(user).filter(self, "unit")


class Agency(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="agencies"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    identifier = models.CharField(
        _("electronic identifier"),
        max_length=32,
        unique=True,
        help_text=_("Mã định danh điện tử, e.g. 000.00.01.H29; dossier codes start with it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["unit__path", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_vertical(self) -> bool:
        return self.kind in AgencyKind.vertical()


class Role(models.TextChoices):
    DESK_OFFICER = "desk", _("Desk officer (Bộ phận Một cửa)")
    PROCESSING_OFFICER = "processing", _("Processing officer")
    FOCAL_OFFICER = "focal", _("Focal officer for administrative procedures")
    UNIT_LEADER = "leader", _("Unit leader")
    DISTRICT_OFFICE = "district_office", _("District office")
    ADMINISTRATOR = "admin", _("Administrator")


class StaffMembership(models.Model):
    """Where a staff member works: one unit, optionally one agency of it, and one role."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    position = models.CharField(_("position"), max_length=120, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True, help_text=_("For the daily digest by SMS."))

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.agency_id and self.unit_id and self.agency.unit_id != self.unit_id:
            raise ValidationError({"agency": _("The agency must belong to the staff member's unit.")})


class JobStatus(models.TextChoices):
    """The states of a background job (a report run, a catalogue import): queued → running → done / failed."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")

    @classmethod
    def active(cls) -> list[str]:
        return [cls.QUEUED, cls.RUNNING]


_NOT_LOADED = object()


def membership_of(user) -> StaffMembership | None:
    """The user's membership with its unit and agency, loaded once per request (cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "_motcua_membership", _NOT_LOADED)
    if membership is _NOT_LOADED:
        membership = StaffMembership.objects.select_related("unit", "agency").filter(user_id=user.pk).first()
        user._motcua_membership = membership
    return membership


class HolidayKind(models.TextChoices):
    DAY_OFF = "off", _("Day off")
    MAKEUP_WORKING_DAY = "makeup", _("Make-up working day (ngày làm bù)")


class Holiday(models.Model):
    """A date that departs from the Monday–Friday week: a day off, or a worked weekend day."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices, default=HolidayKind.DAY_OFF)

    class Meta:
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"

    # The working calendar is cached: every save and delete, queryset deletes included, invalidates
    # it (motcua.selectors.holidays_changed, connected in motcua.apps). ``update()`` and
    # ``bulk_create()`` send no signal: call invalidate_work_calendar after them (holidays_preload does).


class AuditAction(models.TextChoices):
    INSERT = "insert", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Personal data viewed")
    EXPORT = "export", _("Personal data exported")


class AuditEvent(models.Model):
    """One change of an audited row (written by a PostgreSQL trigger, so bulk updates are caught too)
    or one access to a dossier's personal data (written by the view). Rows cannot be changed or
    deleted: a trigger refuses it."""

    table_name = models.CharField(_("table"), max_length=63)
    row_id = models.CharField(_("row"), max_length=64)
    action = models.CharField(_("action"), max_length=8, choices=AuditAction.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    at = models.DateTimeField(_("at"))
    # Plain ids, not foreign keys: the trail outlives the users and units it names.
    actor_id = models.BigIntegerField(_("actor"), null=True, blank=True)
    unit_id = models.BigIntegerField(_("unit"), null=True, blank=True)
    request_id = models.CharField(_("request"), max_length=64, blank=True)
    ip = models.CharField(_("address"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["table_name", "row_id", "at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.table_name}#{self.row_id} {self.action}"


class ThrottleCounter(models.Model):
    """A throttle's counter kept in the database (motcua.throttling): the sign-in lockout always, the
    public forms' rate limits and form tokens while Redis is unreachable, so no throttle switches off
    with Redis. Times are Unix seconds; a row past ``expires`` counts as absent and is swept away."""

    key = models.CharField(_("key"), max_length=120, primary_key=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    opened = models.FloatField(_("window opened"))
    expires = models.FloatField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("throttle counter")
        verbose_name_plural = _("throttle counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


from .scope import Scope  # noqa: E402  (motcua.scope reads these models at call time)
