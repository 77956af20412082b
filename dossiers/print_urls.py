"""The printed forms of a dossier and the dossier register, mounted at /ho-so/in/."""
from django.urls import path

from . import print_views

app_name = "forms"
urlpatterns = [
    path("so-theo-doi/", print_views.register_page, name="register"),
    path("so-theo-doi/so-theo-doi.xlsx", print_views.register_xlsx, name="register-xlsx"),
    path("so-theo-doi/so-theo-doi.pdf", print_views.register_pdf, name="register-pdf"),
    path("<str:code>/giay-tiep-nhan.pdf", print_views.receipt_pdf, name="receipt-pdf"),
    path("<str:code>/phieu-yeu-cau-bo-sung.pdf", print_views.supplement_pdf, name="supplement-pdf"),
    path("<str:code>/phieu-tu-choi.pdf", print_views.refusal_pdf, name="refusal-pdf"),
    path("<str:code>/phieu-kiem-soat.pdf", print_views.control_pdf, name="control-pdf"),
    path("<str:code>/phieu-xin-loi.pdf", print_views.apology_pdf, name="apology-pdf"),
    path("<str:code>/thong-bao-dung.pdf", print_views.stop_pdf, name="stop-pdf"),
]
