from django.urls import path

from . import exports, views

app_name = "procedures"
urlpatterns = [
    path("", views.procedure_list, name="procedure-list"),
    path("nhap/", views.procedure_import, name="procedure-import"),
    path("nhap/<str:token>/", views.import_job, name="import-job"),
    path("danh-muc.xlsx", exports.catalogue_xlsx, name="catalogue-xlsx"),
    path("nhap/mau-danh-muc-tthc.xlsx", exports.import_template_xlsx, name="import-template"),
    path("niem-yet.xlsx", exports.posting_xlsx, name="posting-xlsx"),
    path("niem-yet.pdf", exports.posting_pdf, name="posting-pdf"),
    path("<str:code>/", views.procedure_detail, name="procedure-detail"),
    path("<str:code>/sua/", views.procedure_edit, name="procedure-edit"),
    path("<str:code>/niem-yet/", views.posting_edit, name="posting-edit"),
]
