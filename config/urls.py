from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Browsers ask for /favicon.ico on every page, the admin's included. The static URL is
    # resolved per request: with the manifest storage it is only known after collectstatic.
    return HttpResponsePermanentRedirect(static("quiz/favicon.svg"))


handler500 = "quiz.views.server_error"

urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("quiz.urls")),
]
