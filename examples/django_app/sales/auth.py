"""Example-only sign-in: a request without a session user may name its login in `X-User`.

A real project signs users in with Django's auth (sessions, SSO); crmkit only needs
`request.user.get_username()` to be a crmkit login. The user object made here is never saved."""

from django.contrib.auth import get_user_model


class HeaderLoginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        login = request.headers.get("X-User")
        if login and not request.user.is_authenticated:
            request.user = get_user_model()(username=login)
        return self.get_response(request)
