"""Who may reach the server: the exposure rule for public binds and the form of UI credentials."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.mark.parametrize("host, token, auth, refused", [
    ("127.0.0.1", "", "", False), ("localhost", "", "", False), ("::1", "", "", False), ("127.0.0.2", "", "", False),
    ("0.0.0.0", "", "", True), ("192.168.1.5", "", "", True), ("example.org", "", "", True),
    ("0.0.0.0", "s3cret-s3cret", "", False), ("0.0.0.0", "", "ann:long-password", False),
    ("0.0.0.0", "secret", "", True), ("0.0.0.0", "x", "", True), ("0.0.0.0", "", "ann:pw", True),
    ("127.0.0.1", "tok", "ann:pw", False),
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
    for empty in ("admin:", ":password"):
        assert exposure_problem(Settings.from_env(env={}, ui_auth=empty)) == \
            "NEWSQA_UI_AUTH must be user:password with a user name and a password (neither may be empty)."
    assert gradio_auth(Settings.from_env(env={}, ui_auth="ann:p:w")) == ("ann", "p:w")
    check = gradio_auth(Settings.from_env(env={}, api_token="tok"))
    assert check("anyone", "tok") is True and check("anyone", "nope") is False
    assert gradio_auth(Settings.from_env(env={})) is None


def test_short_credentials_for_a_public_bind_say_the_minimum():
    from qa import Settings
    from qa.serve.server import exposure_problem

    problem = exposure_problem(Settings.from_env(env={}, host="0.0.0.0", api_token="x"))
    assert problem.startswith("Refusing to listen on 0.0.0.0 with NEWSQA_API_TOKEN of 1 characters: a server "
                              "reachable from the network needs at least 12")
    problem = exposure_problem(Settings.from_env(env={}, host="0.0.0.0", ui_auth="admin:pw"))
    assert "the password in NEWSQA_UI_AUTH of 2 characters" in problem
