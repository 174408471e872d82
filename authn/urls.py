"""``include("authn.urls")``: the browsable API's "Authorize" box posts here."""

from django.urls import path

from .browsable import browser_token

app_name = "authn"
urlpatterns = [path("token", browser_token, name="browser-token")]
