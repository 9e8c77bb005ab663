"""`manage.py check` tells clearly what is wrong with the upstream settings."""

from __future__ import annotations

import copy

from django.core.management import call_command
from django.core.management.base import SystemCheckError

from portal.checks import check_upstreams


def _ids(settings):
    return [e.id for e in check_upstreams(None)]


def test_demo_settings_pass(settings):
    assert _ids(settings) == []


def test_malformed_url_is_reported(settings):
    settings.GOVERN = {**settings.GOVERN, "url": "govern.example.com/public/api"}
    errors = check_upstreams(None)
    assert [e.id for e in errors] == ["portal.E001"]
    assert "Govern" in errors[0].msg and "GOVERN_URL" in errors[0].hint


def test_missing_key_is_reported_without_echoing_anything_secret(settings):
    settings.DSS = {**settings.DSS, "api_key": ""}
    errors = check_upstreams(None)
    assert [e.id for e in errors] == ["portal.E002"]
    assert "DSS_API_KEY" in errors[0].hint


def test_unknown_auth_scheme_is_reported(settings):
    nodes = copy.deepcopy(settings.API_NODES)
    nodes[0]["auth"] = "digest"
    settings.API_NODES = nodes
    errors = check_upstreams(None)
    assert [e.id for e in errors] == ["portal.E003"]
    assert "API_NODE_APINODE_A_AUTH" in errors[0].hint


def test_repeated_api_node_id_is_reported(settings):
    settings.API_NODES = copy.deepcopy(settings.API_NODES[:1]) * 2
    assert "portal.E004" in _ids(settings)


def test_check_command_fails_on_bad_settings(settings):
    settings.GOVERN = {**settings.GOVERN, "url": "nope"}
    try:
        call_command("check")
    except SystemCheckError as exc:
        assert "portal.E001" in str(exc)
    else:
        raise AssertionError("manage.py check passed with a malformed GOVERN_URL")
