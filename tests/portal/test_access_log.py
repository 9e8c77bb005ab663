"""gunicorn's access log as `make run` writes it: each request with the server's time, and never a wall screen's
token (a working wall link in a log file would open that wall to whoever reads the log)."""

from __future__ import annotations

import pytest
import requests

from deployer_ui.wall import screens
from deployer_ui.wall.board import WallScope
from portal.accesslog import redact
from tests.conftest import worker_env
from tests.portal_process import PortalProcess

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wall_token_is_never_written_to_the_access_log(sandbox, admin_user, tmp_path):
    token = screens.issue(user=admin_user, name="Lobby", scope=WallScope()).token
    server = PortalProcess(worker_env(), tmp_path / "gunicorn.log", args=("--access-logfile", "-")).start()
    try:
        assert requests.get(server.url(f"/wall/{token}/"), timeout=30).status_code == 200
        assert requests.get(server.url(f"/wall/{token}/feed/"), timeout=30).status_code == 200
        assert requests.get(server.url("/wall/" + "x" * 43 + "/feed/"), timeout=30).status_code == 403
    finally:
        server.stop()
    log = server.log()
    assert token not in log and "x" * 43 not in log
    assert '"GET /wall/…/ HTTP/1.1" 200' in log and '"GET /wall/…/feed/ HTTP/1.1" 403' in log
    assert "ms " in log.split('"GET /wall/…/feed/ HTTP/1.1" 200', 1)[1].splitlines()[0], "the server's own time"


def test_only_tokens_are_redacted():
    assert redact("GET /wall/screens/ HTTP/1.1") == "GET /wall/screens/ HTTP/1.1"
    assert redact("GET /wall/feed/?stage=Production HTTP/1.1") == "GET /wall/feed/?stage=Production HTTP/1.1"
    assert redact("GET /wall/AbC_-0123456789abcdefgh/feed/") == "GET /wall/…/feed/"
