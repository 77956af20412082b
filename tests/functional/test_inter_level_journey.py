"""An inter-level dossier followed through the screens by the staff of each unit involved (issue 17): a
commune's desk takes in a district procedure, sends it to the district's Phòng Tư pháp, whose officer
checks it and hands it on to the chairman, who resolves it; the commune's desk returns the result. The
dossier page shows each stage with its holder and due moment, the control slip prints them, and another
commune's desk cannot open the dossier at all."""
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dossier, Status
from tests.functional.test_journeys import pdf_text, sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inter_level_dossier_through_the_screens_of_both_units(
        page, desk_a, desk_b, agency_a, agency_b, district_leader, justice_office, justice_officer, inter_level_procedure):
    # The commune's desk takes in the district's procedure; the district handles it.
    sign_in(page, "desk.a")
    page.goto("/ho-so/tiep-nhan/")
    page.locator("#id_procedure").fill("1.000893")
    expect(page.get_by_test_id("procedure-info")).to_be_visible()
    page.locator("#id_applicant_name").fill("Nguyễn Văn An")
    page.locator("#id_applicant_phone").fill("0912345678")
    page.get_by_test_id("receive").click()
    expect(page).to_have_url(re.compile(r"/ho-so/[^/]+/\?received=1$"))
    code = page.get_by_test_id("dossier-code").inner_text().strip()
    expect(page.get_by_test_id("handling-unit")).to_contain_text("Huyện Tứ Kỳ")
    stages = page.get_by_test_id("stages").locator("tbody tr")
    expect(stages).to_have_count(4)
    expect(stages.nth(0)).to_have_class("current")

    # It sends the dossier to the district's Phòng Tư pháp.
    page.get_by_test_id("step-transfer").locator("summary").click()
    page.locator("#id_transfer-agency").select_option(str(justice_office.pk))
    page.get_by_test_id("do-transfer").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.TRANSFERRED)
    expect(stages.nth(1)).to_have_class("current")
    expect(stages.nth(1)).to_contain_text("Phòng Tư pháp huyện Tứ Kỳ")
    sign_out(page)

    # Another commune's desk cannot open it.
    sign_in(page, "desk.b")
    assert page.goto(f"/ho-so/{code}/").status == 404
    sign_out(page)

    # The Phòng's officer starts it and hands it on to the chairman.
    sign_in(page, "tu.phap")
    page.goto(f"/ho-so/{code}/")
    page.get_by_test_id("step-start").locator("summary").click()
    page.get_by_test_id("do-start").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.IN_PROGRESS)
    page.get_by_test_id("step-hand_on").locator("summary").click()
    page.locator("#id_hand_on-note").fill("Đủ điều kiện, trình lãnh đạo ký")
    page.get_by_test_id("do-hand_on").click()
    expect(stages.nth(2)).to_have_class("current")
    expect(page.get_by_test_id("step-resolve")).to_have_count(0)  # the chairman's stage now: not the Phòng's to act
    sign_out(page)

    # The chairman resolves it.
    sign_in(page, "district.leader")
    page.goto(f"/ho-so/{code}/")
    page.get_by_test_id("step-resolve").locator("summary").click()
    page.get_by_test_id("do-resolve").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.RESOLVED)
    expect(stages.nth(3)).to_have_class("current")  # the result waits at the commune's desk
    expect(page.get_by_test_id("step-return")).to_have_count(0)  # the return is the receiving desk's
    sign_out(page)

    # The commune's desk returns the result: the dossier ends only now.
    sign_in(page, "desk.a")
    page.goto(f"/ho-so/{code}/")
    page.get_by_test_id("step-return").locator("summary").click()
    page.get_by_test_id("do-return").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.RETURNED)
    outcomes = page.get_by_test_id("stage-outcome")
    expect(outcomes).to_have_count(4)
    dossier = Dossier.objects.get(code=code)
    assert list(dossier.stages.order_by("position").values_list("ended_by__username", flat=True)) == [
        "desk.a", "tu.phap", "district.leader", "desk.a"]

    # The control slip prints each stage with its holder, its due moment and its outcome.
    response = page.request.get(f"/ho-so/in/{code}/phieu-kiem-soat.pdf")
    assert response.ok
    slip = pdf_text(response.body())
    for text in ("Thẩm định, đề xuất", "Phòng Tư pháp huyện Tứ Kỳ", "Phê duyệt", "Hạn:",
                 timezone.localtime(dossier.stages.get(position=1).due_at).strftime("%H:%M %d/%m/%Y")):
        assert text in slip, text
