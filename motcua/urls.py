from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from . import views
from .forms import ThrottledAuthenticationForm

admin.site.site_header = _("Một Cửa administration")
admin.site.site_title = _("Một Cửa")
admin.site.index_title = _("Administration")


def admin_login(request):
    """The admin's sign-in is the site's: one sign-in path, one throttle (``ThrottledAuthenticationForm``).

    ``/quan-tri/login/`` signs no one in; it sends to ``/dang-nhap/?next=…``. A signed-in account
    the admin does not admit gets 403 rather than a sign-in page that would send it back (a loop).
    """
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(target)
        raise PermissionDenied
    return redirect(f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")


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
    path("cong-khai/ket-qua/", include("dossiers.public.results_urls")),  # before the units' postings under cong-khai/
    path("cong-khai/", include("procedures.public_urls")),
    path("ho-so/", include("dossiers.urls")),
    path("ho-so/in/", include("dossiers.printing.urls")),
    path("tra-cuu/", include("dossiers.public.urls")),
    path("danh-gia/", include("dossiers.ratings.urls")),
    path("phan-anh/", include("dossiers.tickets.urls")),
    path("bao-cao/", include("reports.urls")),
    path("chi-so-cchc/", include("cchc.urls")),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("quan-tri/phan-quyen/", admin.site.admin_view(views.permission_table), name="admin-permission-table"),
    path("quan-tri/login/", admin_login),  # before the admin's own, which it replaces
    path("quan-tri/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

handler403 = "motcua.errors.permission_denied"
handler404 = "motcua.errors.page_not_found"
handler500 = "motcua.errors.server_error"
