"""Endpoints for the tests that need one: who the token names, and a list its owner alone may use."""

from django.urls import include, path, re_path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from authn import IsPathOwner


class Me(APIView):
    def get(self, request: Request) -> Response:
        user = request.user
        return Response({"id": user.id, "email": user.email, "name": user.name, "email_verified": user.email_verified})


class Notes(APIView):
    """``/api/<user_id>/notes``: answered for the path's owner only (403 for anyone else)."""

    permission_classes = [IsAuthenticated, IsPathOwner]

    def get(self, request: Request, user_id: str) -> Response:
        return Response([])

    def post(self, request: Request, user_id: str) -> Response:
        return Response({"owner": request.user.id, "title": request.data.get("title", "")}, status=201)


class Note(APIView):
    permission_classes = [IsAuthenticated, IsPathOwner]

    def get(self, request: Request, user_id: str, pk: int) -> Response:
        return Response({"id": pk, "owner": request.user.id})


urlpatterns = [
    path("api/me", Me.as_view()),
    # Any user id, as Better Auth may issue it: a token's sub decides, the path only has to name it.
    re_path(r"^api/(?P<user_id>[\s\S]+)/notes\Z", Notes.as_view()),
    re_path(r"^api/(?P<user_id>[\s\S]+)/notes/(?P<pk>[0-9]+)\Z", Note.as_view()),
    path("api-auth/", include("authn.urls")),
]
