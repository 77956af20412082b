from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("ho-so/", views.dossiers, name="dossiers"),
    path("xuat/", views.request_export, name="request"),
    path("lan-xuat/", views.runs, name="runs"),
    path("lan-xuat/<int:pk>/", views.run_detail, name="run"),
    path("lan-xuat/<int:pk>/tai-ve/", views.download, name="download"),
    path("nop/", views.submissions, name="submissions"),
    path("nop/gui/", views.submit, name="submit"),
    path("nop/<int:pk>/", views.submission_detail, name="submission"),
    path("nop/<int:pk>/ban-ky-so.pdf", views.submission_pdf, name="submission-pdf"),
    # an agency's own report and its submission to the unit (issue 17)
    path("co-quan/", views.agency, name="agency"),
    path("co-quan/gui/", views.agency_submit, name="agency-submit"),
]

# The leaders' dashboard (reports.dashboard_views): the index, targets, warnings and data quality.
from . import dashboard_views  # noqa: E402

urlpatterns += [
    path("bang-dieu-khien/", dashboard_views.dashboard, name="dashboard"),
    path("bang-dieu-khien/chi-so/<slug:key>/", dashboard_views.index_detail, name="index-detail"),
    path("bang-dieu-khien/canh-bao/", dashboard_views.warnings, name="warnings"),
    path("bang-dieu-khien/chat-luong-du-lieu/", dashboard_views.quality, name="quality"),
]
