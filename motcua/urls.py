from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views
from .forms import ThrottledAuthenticationForm

admin.site.site_header = _("Một Cửa administration")
admin.site.site_title = _("Một Cửa")
admin.site.index_title = _("Administration")

core_patterns = (
    [
        path("", views.home, name="home"),
        path("don-vi/", views.unit_list, name="unit-list"),
        path("don-vi/<str:code>/", views.unit_detail, name="unit-detail"),
        path("lich-lam-viec/", views.working_calendar, name="working-calendar"),
    ],
    "motcua",
)

urlpatterns = [
    path("", include(core_patterns)),
    path("thu-tuc/", include("procedures.urls")),
    path("ra-soat/", include("procedures.review_urls")),
    path("cong-khai/", include("procedures.public_urls")),
    path("ho-so/", include("dossiers.urls")),
    path("ho-so/in/", include("dossiers.printing.urls")),
    path("tra-cuu/", include("dossiers.public.urls")),
    path("danh-gia/", include("dossiers.ratings.urls")),
    path("phan-anh/", include("dossiers.tickets.urls")),
    path("bao-cao/", include("reports.urls")),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("quan-tri/phan-quyen/", admin.site.admin_view(views.permission_table), name="admin-permission-table"),
    path("quan-tri/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

handler403 = "motcua.errors.permission_denied"
handler404 = "motcua.errors.page_not_found"
handler500 = "motcua.errors.server_error"
