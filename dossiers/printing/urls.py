"""The printed forms of a dossier and the dossier register, mounted at /ho-so/in/."""
from django.urls import path

from dossiers import converters  # noqa: F401 - registers <dossier_code:…>

from . import views

app_name = "forms"
urlpatterns = [
    path("so-theo-doi/", views.register_page, name="register"),
    path("so-theo-doi/so-theo-doi.xlsx", views.register_xlsx, name="register-xlsx"),
    path("so-theo-doi/so-theo-doi.pdf", views.register_pdf, name="register-pdf"),
    path("<dossier_code:code>/giay-tiep-nhan.pdf", views.receipt_pdf, name="receipt-pdf"),
    path("<dossier_code:code>/phieu-yeu-cau-bo-sung.pdf", views.supplement_pdf, name="supplement-pdf"),
    path("<dossier_code:code>/phieu-tu-choi.pdf", views.refusal_pdf, name="refusal-pdf"),
    path("<dossier_code:code>/phieu-kiem-soat.pdf", views.control_pdf, name="control-pdf"),
    path("<dossier_code:code>/phieu-xin-loi.pdf", views.apology_pdf, name="apology-pdf"),
    path("<dossier_code:code>/thong-bao-dung.pdf", views.stop_pdf, name="stop-pdf"),
]
