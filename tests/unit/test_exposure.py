"""Who may reach the server: the exposure rule for public binds and the form of UI credentials."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.mark.parametrize("host, token, auth, refused", [
    ("127.0.0.1", "", "", False), ("localhost", "", "", False), ("::1", "", "", False), ("127.0.0.2", "", "", False),
    ("0.0.0.0", "", "", True), ("192.168.1.5", "", "", True), ("example.org", "", "", True),
    ("0.0.0.0", "secret", "", False), ("0.0.0.0", "", "ann:pw", False),
])
def test_exposure_rule(host, token, auth, refused):
    from qa import Settings
    from qa.serve.server import exposure_problem

    settings = Settings.from_env(env={}, host=host, api_token=token, ui_auth=auth)
    assert (exposure_problem(settings) is not None) is refused


def test_ui_auth_must_be_user_and_password():
    from qa import Settings
    from qa.serve.server import exposure_problem, gradio_auth

    assert exposure_problem(Settings.from_env(env={}, ui_auth="nocolon")) == "NEWSQA_UI_AUTH must be user:password."
    assert gradio_auth(Settings.from_env(env={}, ui_auth="ann:p:w")) == ("ann", "p:w")
    check = gradio_auth(Settings.from_env(env={}, api_token="tok"))
    assert check("anyone", "tok") is True and check("anyone", "nope") is False
    assert gradio_auth(Settings.from_env(env={})) is None
