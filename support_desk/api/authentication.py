"""Token authentication that refuses malformed keys before they reach the database."""

import re

from rest_framework import authentication, exceptions

TOKEN_KEY = re.compile(r"[0-9A-Za-z]{1,40}")


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; a key that could not have been issued is refused without a query."""

    def authenticate_credentials(self, key: str):
        if not TOKEN_KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
