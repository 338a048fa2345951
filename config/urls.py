from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from quiz import views


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Browsers ask for /favicon.ico on every page, the admin's included. The static URL is
    # resolved per request: with the manifest storage it is only known after collectstatic.
    return HttpResponsePermanentRedirect(static("quiz/favicon.svg"))


handler500 = "quiz.views.server_error"

urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # Django's account views; these two say how a forgotten password is replaced here.
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("quiz.urls")),
]
