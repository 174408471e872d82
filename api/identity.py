"""``GET /api/me``: who the token says the caller is."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .openapi import AUTH_ERRORS


class IdentitySerializer(serializers.Serializer):
    """Who the token says the caller is."""

    id = serializers.CharField(help_text="The token's sub: the user id in task paths")
    email = serializers.CharField()
    name = serializers.CharField()
    email_verified = serializers.BooleanField()


class MeView(APIView):
    """``GET /api/me``: the identity the token carries, read from its claims alone."""

    serializer_class = IdentitySerializer

    @extend_schema(summary="The caller's identity", responses={200: IdentitySerializer, **AUTH_ERRORS})
    def get(self, request: Request) -> Response:
        return Response(IdentitySerializer(request.user).data)
