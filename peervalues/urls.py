from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from coding.views.auth import SignInView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Browsers ask for /favicon.ico on pages without an icon link (the Django admin's).
    # Lazy: without DEBUG the hashed name comes from collectstatic's manifest, read on first use.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True),
    ),
    path("", include("coding.urls")),
]

# JSON answers for the JSON API and pages inside the layout elsewhere (coding/views/errors.py).
handler400 = "coding.views.errors.bad_request"
handler403 = "coding.views.errors.permission_denied"
handler404 = "coding.views.errors.page_not_found"
handler500 = "coding.views.errors.server_error"
