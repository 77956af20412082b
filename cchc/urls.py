"""The reform index (Chỉ số CCHC) and the inspections, mounted at /chi-so-cchc/."""
from django.urls import path

from . import views

app_name = "cchc"
urlpatterns = [
    path("", views.index, name="index"),
    path("them/", views.scheme_create, name="scheme-create"),
    path("mau-bo-tieu-chi.xlsx", views.scheme_template, name="scheme-template"),
    path("<int:pk>/", views.scheme_detail, name="scheme-detail"),
    path("<int:pk>/nhap/", views.scheme_import_view, name="scheme-import"),
    path("<int:pk>/tieu-chi/", views.criteria_edit, name="criteria-edit"),
    path("<int:pk>/buoc/<slug:step>/", views.scheme_step, name="scheme-step"),
    path("<int:pk>/muc-xep-loai/", views.bands_edit, name="bands-edit"),
    path("<int:pk>/ket-qua/", views.results_view, name="results"),
    path("<int:pk>/ket-qua.xlsx", views.results_xlsx, name="results-xlsx"),
    path("<int:pk>/phu-luc.pdf", views.results_pdf_view, name="results-pdf"),
    path("phieu/<int:pk>/", views.scorecard_detail, name="scorecard"),
    path("phieu/<int:pk>/gui/", views.scorecard_submit_view, name="scorecard-submit"),
    path("phieu/<int:pk>/tieu-chi/<int:score_id>/tu-cham/", views.score_self_view, name="score-self"),
    path("phieu/<int:pk>/tieu-chi/<int:score_id>/tham-dinh/", views.score_appraise_view, name="score-appraise"),
    path("minh-chung/<int:pk>/", views.evidence_download, name="evidence"),
    # Inspections and self-checks
    path("kiem-tra/", views.plan_list, name="plan-list"),
    path("kiem-tra/them/", views.plan_create, name="plan-create"),
    path("kiem-tra/qua-han/", views.overdue_list, name="overdue"),
    path("kiem-tra/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("kiem-tra/<int:pk>/them-cuoc/", views.inspection_add, name="inspection-add"),
    path("cuoc-kiem-tra/<int:pk>/", views.inspection_detail, name="inspection"),
    path("cuoc-kiem-tra/<int:pk>/phat-hien/", views.finding_add, name="finding-add"),
    path("cuoc-kiem-tra/<int:pk>/khac-phuc/<int:fix_id>/", views.fix_report_view, name="fix-report"),
    path("cuoc-kiem-tra/<int:pk>/chap-nhan/<int:fix_id>/", views.fix_accept_view, name="fix-accept"),
    path("cuoc-kiem-tra/<int:pk>/ket-thuc/", views.inspection_close_view, name="inspection-close"),
    # The focal officers and the desk's duty roster
    path("dau-moi/", views.register, name="register"),
    path("dau-moi/them/", views.register_add, name="register-add"),
]
