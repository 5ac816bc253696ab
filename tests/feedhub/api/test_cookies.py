"""The session cookie's attributes follow the site's address: Secure exactly when it is served over https."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Response

from feedhub.settings import Settings
from feedhub.web.caller import csrf_token_for, end_session_cookies, start_session
from feedhub.web.context import WebContext


@pytest.mark.parametrize(("base_url", "secure"), [("https://feeds.agency.cz", True), ("http://127.0.0.1:8000", False)])
def test_session_cookies(tmp_path: Path, base_url: str, secure: bool) -> None:
    context = WebContext.from_settings(Settings(data_dir=tmp_path, base_url=base_url))
    try:
        response = Response()
        csrf = start_session(response, context, "the-session-token")
        session_cookie, csrf_cookie = response.headers.getlist("set-cookie")
        assert session_cookie.startswith("feedhub_session=the-session-token;")
        assert ("; Secure" in session_cookie, "; Secure" in csrf_cookie) == (secure, secure)
        assert "HttpOnly" in session_cookie and "HttpOnly" not in csrf_cookie  # pages' scripts may read the CSRF one
        assert all("SameSite=lax" in cookie for cookie in (session_cookie, csrf_cookie))
        assert csrf == csrf_token_for("the-session-token") != csrf_token_for("another session")
        ended = Response()
        end_session_cookies(ended)
        assert all('=""; expires=' in cookie or "Max-Age=0" in cookie for cookie in ended.headers.getlist("set-cookie"))
    finally:
        context.engine.dispose()
