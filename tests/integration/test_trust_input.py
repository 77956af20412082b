"""Input that breaks screens (issue 14): codes the previous software gave, download headers, NUL bytes
and huge cells in import files, what the public feedback form gives away, check --deploy with
docker-compose's own values, and the Excel formula guard on ordinary text."""
from __future__ import annotations

import csv
import io
import os
import random
import re
import string
import subprocess
import sys
import zipfile
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from hypothesis import given, settings as hypothesis_settings, strategies as st
from openpyxl import Workbook, load_workbook

from dossiers.importing import HEADER_ALIASES, REQUIRED_COLUMNS, dossiers_import
from dossiers.models import Dossier, FeedbackTicket
from dossiers.numbering import CODE_PATH, NumberingError, is_safe_code
from dossiers.public import antispam
from dossiers.services import Applicant, dossier_receive
from motcua.models import AdministrativeUnit
from motcua.pdf import pdf_response
from motcua.tabular import read_rows
from procedures.models import Procedure
from procedures.parsing import escape_formula
from tests.factories import PASSWORD, make_dossier, vn

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["code", "unit_code", "procedure_code", "channel", "received_at", "applicant_name"]


def dossier_file(rows: list[dict], header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode("utf-8")


def dossier_row(code: str, **values) -> dict:
    return {"code": code, "unit_code": "11089", "procedure_code": "1.001193", "channel": "direct",
            "received_at": "03/03/2025 09:00", "applicant_name": "Nguyễn Văn An", **values}


def rows_of(data: bytes):
    return read_rows(io.BytesIO(data), filename="ho-so.csv", required=REQUIRED_COLUMNS, aliases=HEADER_ALIASES)


def logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def filename_of(response) -> str:
    """The file name a mail/HTTP parser reads from Content-Disposition (exactly one parameter)."""
    header = response["Content-Disposition"]
    message = Message()
    message["Content-Disposition"] = header
    names = [name for name, _value in message.get_params(header="content-disposition")[1:]]
    assert names in (["filename"], ["filename*"]), header
    return message.get_filename()


# -- 1. dossier codes from the previous software -------------------------------------------------------

HOSTILE_CODES = [
    "HS/2025/000123",        # a "/" broke reversing: the board, the queue and the data-quality page answered 500
    "HS 2025 000124",        # spaces
    'HS-2025-"000125"',      # a quote put a second filename= into Content-Disposition
    "HS-2025-000126\r\nX",   # CR/LF broke the receipt and the control slip
    "HS-2025-000127?x=1",    # would be read as a query string
    "../HS-2025-000128",     # a path segment of its own
    ".",                     # a path segment of its own
    "-HS-2025-000129",       # starts with a sign: a formula in the register's workbook
    "HS-2025-00013é",        # letters with diacritics
]


def test_import_refuses_every_code_outside_the_safe_set_and_names_each_row(commune_a, agency_a, birth_registration):
    good = ["HS-2025-000001", "hs.2025_000002", "000.01.12.H23-250303-0001"]
    report = dossiers_import(rows=rows_of(dossier_file(
        [dossier_row(code) for code in good] + [dossier_row(code) for code in HOSTILE_CODES]
    )))
    assert not report.ok and report.created == 0
    lines = sorted(int(re.match(r"^(?:Row|Dòng) (\d+):", message)[1]) for message in report.errors)
    assert lines == list(range(len(good) + 2, len(good) + 2 + len(HOSTILE_CODES)))
    assert all("\r" not in message and "\n" not in message for message in report.errors)
    assert Dossier.objects.count() == 0  # all rows or none

    report = dossiers_import(rows=rows_of(dossier_file([dossier_row(code) for code in good])))
    assert report.ok, report.errors
    assert set(Dossier.objects.values_list("code", flat=True)) == set(good)


def test_a_code_in_the_portal_format_must_be_a_day_and_the_receiving_units_identifier(
    commune_a, agency_a, commune_b, agency_b, birth_registration
):
    report = dossiers_import(rows=rows_of(dossier_file([
        dossier_row("000.01.12.H23-251341-0001"),           # 41/13/2025 is no day
        dossier_row("000.02.12.H23-250303-0001"),           # commune B's identifier on a dossier of commune A
        dossier_row("000.01.12.H23-250303-0002"),           # fine
        dossier_row("SOFTWARE-250303-0003"),                # another software's code in the same shape: kept
    ])))
    assert [message.split(":")[0] for message in report.errors] == ["Dòng 2", "Dòng 3"], report.errors
    assert "251341" in report.errors[0] and "11089" in report.errors[1]


def test_the_command_refuses_a_code_with_a_slash_in_vietnamese(commune_a, agency_a, birth_registration, tmp_path, capsys):
    path = tmp_path / "ho-so.csv"
    path.write_bytes(dossier_file([dossier_row("HS-2025-000001"), dossier_row("HS/2025/000002")]))
    with pytest.raises(CommandError):
        call_command("import_dossiers", str(path))
    assert "Dòng 3:" in capsys.readouterr().err
    assert not Dossier.objects.exists()


def test_every_screen_answers_for_imported_codes_and_the_slips_name_one_file(
    client, commune_a, agency_a, birth_registration, desk_a, processing_a, leader_a
):
    code = "HS.2025_000001-a"
    report = dossiers_import(rows=rows_of(dossier_file([dossier_row(code, received_at=timezone.localtime().strftime("%d/%m/%Y %H:%M"))])))
    assert report.ok, report.errors
    for user, url in [
        (desk_a, reverse("dossiers:board")),
        (desk_a, reverse("dossiers:detail", args=[code])),
        (processing_a, reverse("dossiers:queue")),
        (leader_a, reverse("reports:quality")),
    ]:
        assert logged_in(client, user).get(url).status_code == 200, url
    client = logged_in(client, desk_a)
    for name, slug in [("forms:receipt-pdf", "giay-tiep-nhan"), ("forms:control-pdf", "phieu-kiem-soat")]:
        response = client.get(reverse(name, args=[code]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert filename_of(response) == f"{slug}-{code}.pdf"


@given(st.text(max_size=60))
@hypothesis_settings(max_examples=300, deadline=None)
def test_every_code_the_import_keeps_reverses_and_resolves_back_and_no_other_does(text):
    name_args = [("dossiers:detail", []), ("dossiers:action", ["transfer"]), ("forms:receipt-pdf", [])]
    if is_safe_code(text):
        for name, extra in name_args:
            url = reverse(name, args=[text, *extra])
            assert resolve(url).kwargs["code"] == text
    elif not re.fullmatch(CODE_PATH, text):
        for name, extra in name_args:
            with pytest.raises(NoReverseMatch):
                reverse(name, args=[text, *extra])


def test_an_identifier_that_would_make_an_unsafe_code_stops_the_intake(commune_a, agency_a, birth_registration, desk_a):
    agency_a.identifier = "000/01.12.H23"
    agency_a.save()
    with pytest.raises(NumberingError):
        dossier_receive(unit=commune_a, procedure=birth_registration, applicant=Applicant(name="Trần Thị Bình"),
                        by=desk_a, received_at=vn(2025, 3, 3, 10, 0))
    assert not Dossier.objects.exists()


def test_a_procedure_code_with_a_slash_is_refused_by_the_catalogue_import(tmp_path, commune_a, capsys):
    """The catalogue's pages take the code in their address as the desk's do: the same safe set."""
    path = tmp_path / "thu-tuc.csv"
    path.write_text("code,name,field_code,field_name,level,processing_days\n"
                    "1.000001,Thủ tục A,HT,Hộ tịch,xã,3\n1/000002,Thủ tục B,HT,Hộ tịch,xã,3\n"
                    '"1.000003""x",Thủ tục C,HT,Hộ tịch,xã,3\n', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_procedures", str(path))
    errors = capsys.readouterr().err
    assert "Dòng 3:" in errors and "Dòng 4:" in errors and "Dòng 2:" not in errors
    assert not Procedure.objects.exists()


# -- 2. download headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ['giay-tiep-nhan-HS"; filename="evil.exe.pdf', "phieu-kiem-soat-HS\r\nX-Evil: 1.pdf",
                                      "giấy tiếp nhận.pdf"])
def test_a_pdf_download_names_exactly_one_file_whatever_its_name(filename):
    response = pdf_response(b"%PDF-1.7", filename, inline=False)
    assert "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert filename_of(response) == filename
    assert "X-Evil" not in response


def test_no_download_header_is_built_by_hand():
    """Every Content-Disposition comes from Django's helper (or FileResponse, which uses it)."""
    offenders = []
    for folder in ("motcua", "dossiers", "procedures", "reports"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for match in re.finditer(r"""\[["']Content-Disposition["']\]\s*=""", source):
                if "content_disposition_header(" not in source[match.end(): match.end() + 80]:
                    offenders.append(f"{path.relative_to(ROOT)}:{source[:match.start()].count(chr(10)) + 1}")
    assert not offenders, offenders


# -- 3. NUL bytes and huge cells -------------------------------------------------------------------------


def test_a_nul_byte_in_a_units_file_is_a_vietnamese_message_naming_the_row(tmp_path, province):
    path = tmp_path / "don-vi.csv"
    path.write_bytes("code,name,level,parent_code\n298,Huyện Tứ Kỳ,huyện,30\n11089,Xã Ngọc\x00Kỳ,xã,298\n".encode())
    with pytest.raises(CommandError) as refused:
        call_command("import_units", str(path))
    assert "Dòng 3:" in str(refused.value) and "U+0000" in str(refused.value)
    assert list(AdministrativeUnit.objects.values_list("code", flat=True)) == ["30"]


def test_a_nul_byte_in_a_dossiers_file_is_a_vietnamese_message_naming_the_row(
    tmp_path, commune_a, agency_a, birth_registration
):
    path = tmp_path / "ho-so.csv"
    path.write_bytes(dossier_file([dossier_row("HS-1"), dossier_row("HS-2", applicant_name="Nguyễn\x00Văn An")]))
    with pytest.raises(CommandError) as refused:
        call_command("import_dossiers", str(path))
    assert "Dòng 3:" in str(refused.value)
    assert not Dossier.objects.exists()


def test_a_six_megabyte_field_in_a_procedures_file_is_a_vietnamese_message_naming_the_row(tmp_path, commune_a):
    path = tmp_path / "thu-tuc.csv"
    header = "code,name,field_code,field_name,level,processing_days,components\n"
    path.write_text(header + "1.000001,Thủ tục A,HT,Hộ tịch,xã,3,\n"
                    + "1.000002,Thủ tục B,HT,Hộ tịch,xã,3," + "Tờ khai " * 750_000 + "\n", encoding="utf-8")
    assert path.stat().st_size > 6_000_000
    with pytest.raises(CommandError) as refused:
        call_command("import_procedures", str(path))
    assert "Dòng 3:" in str(refused.value)
    assert not Procedure.objects.exists()


def test_a_cell_longer_than_a_spreadsheet_cell_in_an_excel_file_is_refused_by_row(tmp_path, commune_a):
    """Excel and openpyxl write at most 32,767 characters in a cell; a workbook written by hand holds more."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "field_code", "field_name", "level", "processing_days", "legal_basis"])
    sheet.append(["1.000001", "Thủ tục A", "HT", "Hộ tịch", "xã", 3, ""])
    sheet.append(["1.000002", "Thủ tục B", "HT", "Hộ tịch", "xã", 3, "PLACEHOLDER"])
    written = io.BytesIO()
    workbook.save(written)
    noise = "".join(random.Random(14).choices(string.ascii_letters + " ", k=40_000))  # does not compress like a bomb
    path = tmp_path / "thu-tuc.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename).replace(b"PLACEHOLDER", noise.encode()))
    with pytest.raises(CommandError) as refused:
        call_command("import_procedures", str(path))
    assert "Dòng 3:" in str(refused.value) and "legal_basis" in str(refused.value)
    assert not Procedure.objects.exists()


# -- 4. the public feedback form -------------------------------------------------------------------------

SUBMIT = reverse("tickets:submit")
CONTENT = "Thời gian giải quyết thủ tục đăng ký khai sinh quá lâu so với quy định niêm yết."


def feedback(client, unit, address="203.0.113.14", **overrides):
    data = {"unit": unit.code, "sender_name": "Lê Văn Cường", "sender_contact": "0912 345 678", "sender_address": "",
            "content": CONTENT, "procedure_code": "", "dossier_code": "", "homepage": "",
            "form_token": antispam.issue_token(at=timezone.now().timestamp() - 30), **overrides}
    return client.post(SUBMIT, data, REMOTE_ADDR=address)


def test_the_feedback_form_says_nothing_about_a_dossier_code_while_another_field_is_wrong(
    client, commune_a, agency_a, commune_b, birth_registration, desk_a
):
    dossier = make_dossier(procedure=birth_registration, unit=commune_a, received_at=vn(2026, 1, 19, 8, 0),
                           due_at=vn(2026, 1, 22, 8, 0), code="000.01.12.H23-260119-0001")
    answers = [
        feedback(client, commune_a, content="Quá chậm.", dossier_code=dossier.code),      # exists, here
        feedback(client, commune_a, content="Quá chậm.", dossier_code="000.01.12.H23-260119-0002"),  # unknown
        feedback(client, commune_b, content="Quá chậm.", dossier_code=dossier.code),      # exists, elsewhere
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert all(dict(answer.context["form"].errors) == dict(answers[0].context["form"].errors) for answer in answers)
    assert set(answers[0].context["form"].errors) == {"content"}
    # Everything else valid: one message whether the code is unknown or another unit's.
    unknown = feedback(client, commune_b, dossier_code="000.01.12.H23-260119-0002")
    elsewhere = feedback(client, commune_b, dossier_code=dossier.code)
    assert unknown.status_code == elsewhere.status_code == 400
    assert unknown.context["form"].errors == elsewhere.context["form"].errors
    assert set(unknown.context["form"].errors) == {"dossier_code"}
    assert not FeedbackTicket.objects.exists()


def test_looking_up_dossier_codes_through_the_feedback_form_counts_as_sending(client, commune_a, agency_a, birth_registration):
    for number in range(antispam.SUBMISSIONS_PER_ADDRESS.limit):
        assert feedback(client, commune_a, dossier_code=f"000.01.12.H23-260119-{number:04d}").status_code == 400
    assert feedback(client, commune_a, dossier_code="000.01.12.H23-260119-9999").status_code == 429
    assert feedback(client, commune_a, address="198.51.100.14").status_code == 302


# -- 5. smaller ------------------------------------------------------------------------------------------


def compose_environment() -> dict[str, str]:
    """The web container's environment as docker-compose.yml gives it, the .env holding only what the
    README's example puts there (the required values; the optional ones take the file's defaults)."""
    dotenv = {"SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-8f3a9c1e7b",
              "POSTGRES_PASSWORD": "mat-khau-cua-csdl"}
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    block = text.split("  environment:\n", 1)[1].split("\n  depends_on:", 1)[0]
    environment = {}
    for line in block.splitlines():
        match = re.match(r"^\s{4}([A-Z_]+):\s*(.*)$", line)
        if not match:
            continue

        def substitute(variable: re.Match) -> str:
            name, operator, default = variable.group(1), variable.group(2), variable.group(3)
            if name in dotenv:
                return dotenv[name]
            assert operator == ":-", f"{name} is required by docker-compose.yml but not in the test's .env"
            return default

        environment[match[1]] = re.sub(r"\$\{([A-Z_]+)(:[-?])([^}]*)\}", substitute, match[2]).strip()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "BEHIND_PROXY", "HTTPS"} <= environment.keys(), environment
    return environment


def test_check_deploy_reports_nothing_with_docker_composes_own_values():
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "motcua.settings", **compose_environment()}
    # The containers' host names do not resolve here; check --deploy needs neither server.
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # The redirect that silences W008 spares the container's health check, which asks over plain HTTP.
    code = (
        "import django; django.setup();"
        "from django.test import RequestFactory; from django.middleware.security import SecurityMiddleware;"
        "m = SecurityMiddleware(lambda r: None); f = RequestFactory();"
        "print(m.process_request(f.get('/healthz')) is None,"
        " getattr(m.process_request(f.get('/', HTTP_HOST='localhost')), 'status_code', None),"
        " m.process_request(f.get('/', HTTP_HOST='localhost', HTTP_X_FORWARDED_PROTO='https')) is None)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "301", "True"], out.stdout + out.stderr


BULLETS = ["- Bản sao giấy khai sinh", "- bullet text", "+ thêm một bản sao", "@ Ủy ban nhân dân xã", "-"]
FORMULAS = ["=1+2", "-2+3", "+84 912 345 678", "-SUM(A1:A3)", "- SUM(A1:A3)", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-cmd|' /C calc'!A0", "+Chứng thực", "\t=1+2"]


def test_the_formula_guard_leaves_bullets_as_typed_and_guards_what_a_spreadsheet_evaluates():
    for text in BULLETS:
        assert escape_formula(text) == text, text
    for text in FORMULAS:
        assert escape_formula(text) == "'" + text, text


def test_the_register_workbook_shows_bullets_without_an_apostrophe(client, commune_a, agency_a, birth_registration, desk_a):
    for name, address in [("- Nguyễn Văn An", BULLETS[0]), ("Trần Thị Bình", "=HYPERLINK(\"http://x\")")]:
        dossier_receive(unit=commune_a, procedure=birth_registration, by=desk_a,
                        applicant=Applicant(name=name, phone="0987654321", address=address),
                        received_at=timezone.now() - timedelta(minutes=5))
    today = timezone.localdate()
    start = today - timedelta(days=1)
    response = logged_in(client, desk_a).get(
        reverse("forms:register-xlsx") + f"?from={start:%d/%m/%Y}&to={today:%d/%m/%Y}"
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    texts = [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert not [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert any(text.startswith("- Nguyễn Văn An") for text in texts), texts
    assert any(BULLETS[0] in text and not text.startswith("'") for text in texts)
    assert not any(text.startswith("'-") for text in texts)
    assert any(text.startswith("'=HYPERLINK") for text in texts)
