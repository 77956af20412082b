"""Core models: administrative units, agencies, staff membership and the holiday calendar.

The unit tree is data. Each unit stores its materialised ``path`` (the keys from the root,
``30/298/11089/``) so the subtree is one indexed prefix query and the ancestors one lookup, whatever
the depth: province → district → commune and province → commune alike.

Units also have a history. A unit is in force from ``valid_from`` to ``valid_to`` (both inclusive,
empty for "since ever" and "still"); merging, splitting off, renaming, moving under another parent
and dissolving all end some units and start others that list them as predecessors
(``UnitSuccession``). A predecessor's dossiers and duties go to one successor, its *primary* one, and
``UnitLineage`` keeps, for every unit, all the units it took over that way, transitively: the one
condition (motcua.scope) that makes a successor see and count its predecessors' dossiers. A unit is
never renamed across a change: a reused code is a new unit, so an old report still prints the old
name. Its ``key`` (the code, or ``code~YYYYMMDD`` of its last day once ended) is unique and is what
paths and URLs carry.
"""
from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"
KEY_SEPARATOR = "~"


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

    def in_force(self, on: date | None = None) -> AdministrativeUnitQuerySet:
        """Units in force on ``on`` (today, Vietnam time, by default)."""
        return self.filter(in_force_q(on))

    def children_in_force(self, unit: AdministrativeUnit, on: date | None = None) -> AdministrativeUnitQuerySet:
        """The direct children of ``unit`` in force on ``on`` (today by default; the unit's own last
        day if it ended before): the rows of its figures, the units it compares."""
        from .scope import reference_day

        return self.filter(parent=unit).filter(in_force_q(reference_day(unit, on or today())))

    def active(self) -> AdministrativeUnitQuerySet:
        """Units in force today: the ones that receive dossiers, post procedures and sign in."""
        return self.in_force()

    def by_key(self, key: str, on: date | None = None) -> AdministrativeUnit | None:
        """The unit a code names: ``code~YYYYMMDD`` is the version that ended that day; a plain code
        is the unit in force on ``on`` (today by default) with that code, else its latest version."""
        code, _sep, last_day = key.partition(KEY_SEPARATOR)
        if last_day:
            try:
                ended = date(int(last_day[:4]), int(last_day[4:6]), int(last_day[6:8]))
            except ValueError:
                return None
            return self.filter(code=code, valid_to=ended).first()
        versions = self.filter(code=code)
        return versions.filter(in_force_q(on)).first() or versions.order_by(
            models.F("valid_to").desc(nulls_first=True)
        ).first()


def today() -> date:
    """Today in Vietnam (motcua.periods.local_day of now)."""
    from .periods import local_day

    return local_day(timezone.now())


def after_today(day: date | None) -> str | None:
    """Why ``day`` may not be given, being after today (in Vietnam); None for today, an earlier day or no
    day. The one rule and wording for every day that must have come already (a posting's days in its form,
    a catalogue import's posting day, the services that change a posting)."""
    now = today()
    if day is None or day <= now:
        return None
    return _("%(day)s is after today (%(today)s): give today or an earlier day.") % {
        "day": f"{day:%d/%m/%Y}", "today": f"{now:%d/%m/%Y}"}


def in_force_q(on: date | None = None, prefix: str = "", *, start: str = "valid_from", end: str = "valid_to") -> models.Q:
    """The condition "in force on ``on``" (today by default) on a unit (``prefix`` reaches it through a
    relation), or on any row with a validity of two days, both inclusive, empty for "always" (``start`` and
    ``end`` name them: a posting's are the unit's, a procedure's are effective_from/effective_until)."""
    on = on or today()
    return (models.Q(**{f"{prefix}{start}__isnull": True}) | models.Q(**{f"{prefix}{start}__lte": on})) & (
        models.Q(**{f"{prefix}{end}__isnull": True}) | models.Q(**{f"{prefix}{end}__gte": on})
    )


class AdministrativeUnit(models.Model):
    audited = True  # every change recorded by the audit trigger (motcua.audit)

    code = models.CharField(
        _("code"), max_length=16, db_index=True, help_text=_("Official statistical code (mã đơn vị hành chính).")
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
    valid_from = models.DateField(
        _("in force from"), null=True, blank=True, help_text=_("Empty: in force since before the portal's records.")
    )
    valid_to = models.DateField(
        _("in force until"), null=True, blank=True, help_text=_("The last day in force; empty while it is.")
    )
    desk_name = models.CharField(
        _("name of the desk"),
        max_length=200,
        blank=True,
        help_text=_(
            "As printed on the forms: Bộ phận Một cửa, Bộ phận Tiếp nhận và Trả kết quả, "
            "Trung tâm Phục vụ hành chính công xã … Empty: the name in force on the document's date."
        ),
    )

    # The ids of every unit this one took over (UnitLineage's rows of it), so that a permission asks no
    # query; kept with UnitLineage by motcua.services.units_rebuild_lineage only.
    taken_over = models.JSONField(default=list, editable=False, blank=True)

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        indexes = [
            # Subtree queries are `path LIKE 'x/%'`: a text_pattern_ops index serves them on PostgreSQL.
            models.Index(fields=["path"], name="unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            # One unit in force per code, and an ended version named by its code and last day.
            models.UniqueConstraint(fields=["code"], condition=models.Q(valid_to__isnull=True),
                                    name="unit_code_in_force_once"),
            models.UniqueConstraint(fields=["code", "valid_to"], name="unit_code_once_per_end"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """Unique among all units: the code while in force, ``code~YYYYMMDD`` (its last day) after."""
        if self.valid_to is None:
            return self.code
        return f"{self.code}{KEY_SEPARATOR}{self.valid_to:%Y%m%d}"

    @property
    def is_active(self) -> bool:
        """In force today (a unit ends only on an import dated today or earlier)."""
        return self.valid_to is None

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @staticmethod
    def build_path(parent_path: str, key: str) -> str:
        return f"{parent_path}{key}{PATH_SEPARATOR}"

    @property
    def ancestor_keys(self) -> list[str]:
        """Keys from the root down to the parent, read off the path without a query."""
        return self.path.rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR)[:-1]

    def ancestors(self) -> models.QuerySet[AdministrativeUnit]:
        """The units above this one, root first (one query)."""
        prefixes = []
        path = ""
        for key in self.ancestor_keys:
            path = self.build_path(path, key)
            prefixes.append(path)
        return AdministrativeUnit.objects.filter(path__in=prefixes).order_by("depth")

    def subtree(self) -> AdministrativeUnitQuerySet:
        """This unit and every unit below it (one query)."""
        return AdministrativeUnit.objects.subtree_of(self)

    def descendants(self) -> AdministrativeUnitQuerySet:
        return self.subtree().exclude(pk=self.pk)

    def contains(self, other: AdministrativeUnit) -> bool:
        """Whether ``other`` is this unit or lies below it; no query."""
        return other.path.startswith(self.path)


class UnitSuccession(models.Model):
    """``successor`` took over ``predecessor`` on the day it started (its ``valid_from``): a merger, a
    split, a rename, a move or a dissolution. A predecessor with several successors gives its
    dossiers to its ``primary`` one (exactly one)."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    successor = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("successor"), on_delete=models.CASCADE, related_name="predecessor_links"
    )
    predecessor = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("predecessor"), on_delete=models.CASCADE, related_name="successor_links"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    primary = models.BooleanField(
        _("takes over the dossiers"), default=True,
        help_text=_("The successor that takes over the predecessor's dossiers and figures."),
    )

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        ordering = ["successor", "position"]
        constraints = [
            models.UniqueConstraint(fields=["successor", "predecessor"], name="unit_succession_once"),
            models.UniqueConstraint(fields=["predecessor"], condition=models.Q(primary=True),
                                    name="unit_succession_one_primary"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class UnitLineage(models.Model):
    """``unit`` took over ``predecessor``'s dossiers, directly or through other units (the transitive
    closure of the primary successions; kept by motcua.services.units_rebuild_lineage only)."""

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="lineage")
    predecessor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="+")
    distance = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "predecessor"], name="unit_lineage_once")]
        indexes = [models.Index(fields=["predecessor", "unit"], name="unit_lineage_pred_idx")]

    def __str__(self) -> str:
        return f"{self.predecessor_id} ⊂ {self.unit_id}"


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
        if self.unit_id and self.unit.valid_to is not None:
            raise ValidationError({"unit": _("%(unit)s ended on %(day)s: choose a unit in force.")
                                   % {"unit": self.unit.name, "day": f"{self.unit.valid_to:%d/%m/%Y}"}})


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


class SigningIdentity(models.Model):
    """A unit's organisational certificate for signing its results and reports (motcua.signing), set up by
    an administrator: a PKCS#12 file on the server, or a PKCS#11 token through its module. The PIN or
    passphrase is not kept here: ``secret_env`` names the environment variable that holds it."""

    class Kind(models.TextChoices):
        PKCS12 = "pkcs12", _("PKCS#12 file")
        PKCS11 = "pkcs11", _("PKCS#11 token")

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    unit = models.OneToOneField(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.CASCADE,
                                related_name="signing_identity")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PKCS11)
    signer_name = models.CharField(_("signer's name shown"), max_length=200, blank=True)
    pkcs12_path = models.CharField(_("PKCS#12 file (path on the server)"), max_length=500, blank=True)
    pkcs11_module = models.CharField(_("PKCS#11 module (path)"), max_length=500, blank=True,
                                     help_text=_("e.g. /usr/lib/softhsm/libsofthsm2.so or the token vendor's library"))
    token_label = models.CharField(_("token label"), max_length=64, blank=True)
    key_label = models.CharField(_("key label"), max_length=64, blank=True)
    cert_label = models.CharField(_("certificate label"), max_length=64, blank=True,
                                  help_text=_("Empty: the same as the key label."))
    secret_env = models.CharField(_("environment variable holding the PIN or passphrase"), max_length=64, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("signing identity")
        verbose_name_plural = _("signing identities")

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_kind_display()})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.PKCS12 and not self.pkcs12_path:
            raise ValidationError({"pkcs12_path": _("Give the path of the PKCS#12 file.")})
        if self.kind == self.Kind.PKCS11 and not (self.pkcs11_module and self.token_label and self.key_label):
            raise ValidationError(_("A token needs its module, its label and the key's label."))


from .scope import Scope  # noqa: E402  (motcua.scope reads these models at call time)
