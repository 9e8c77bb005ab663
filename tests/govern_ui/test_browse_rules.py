"""Unit tier: custom fields rendered by blueprint type, and filtering and sorting the artifact list (govern_ui.browse),
from data built in memory."""

from __future__ import annotations

import datetime as dt

import pytest

from govern_ui.browse import pick_artifacts, render_field, render_fields
from sandbox.seed import HOSTILE_SCRIPT
from tests.govern_ui.builders import ALICE, BOB, artifact, artifact_list, day, field_setting, govern_users

pytestmark = pytest.mark.unit

USERS = govern_users((ALICE, "Alice Martin"), (BOB, "Bob Dupont"))


@pytest.mark.parametrize(
    ("field_type", "value", "kind", "shown"),
    [
        ("TEXT", HOSTILE_SCRIPT, "text", HOSTILE_SCRIPT),
        ("LONG_TEXT", "one\ntwo", "long_text", "one\ntwo"),
        ("NUMBER", 42.5, "number", 42.5),
        ("NUMBER", True, "other", "True"),
        ("BOOLEAN", False, "boolean", False),
        ("BOOLEAN", "yes", "other", "yes"),
        ("DATE", "2025-03-01", "date", dt.date(2025, 3, 1)),
        ("DATE", "next week", "text", "next week"),
        ("TEXT", None, "missing", None),
        ("MULTISELECT", [], "missing", None),
        ("SELECT", "", "missing", None),
    ],
)
def test_a_value_is_shaped_by_its_field_type(field_type, value, kind, shown):
    rendered = render_field(field_setting("f", field_type, "Field"), "f", value, USERS)
    assert (rendered.kind, rendered.value, rendered.name, rendered.type) == (kind, shown, "Field", field_type)


def test_choices_become_chips_and_logins_become_names():
    assert render_field(field_setting("f", "SELECT"), "f", "high", USERS).items == ("high",)
    assert render_field(field_setting("f", "MULTISELECT"), "f", ["eu", 3], USERS).items == ("eu", "3")
    assert render_field(field_setting("f", "USER"), "f", ALICE, USERS).items == ("Alice Martin",)
    assert render_field(field_setting("f", "USERS"), "f", [BOB, "heidi"], USERS).items == ("Bob Dupont", "heidi")


def test_fields_follow_the_blueprint_order_then_values_it_does_not_define_as_text():
    settings = [field_setting("owner", "USER"), field_setting("risk", "NUMBER")]
    fields = render_fields(settings, {"legacy": {"a": 1}, "risk": 3, "owner": ALICE}, USERS)
    assert [(f.id, f.kind) for f in fields] == [("owner", "people"), ("risk", "number"), ("legacy", "other")]
    assert fields[2].name == "legacy" and fields[2].value == "{'a': 1}"


LISTING = artifact_list(
    artifact("art-0001", "Retail churn", status="draft", created_on=day(3)),
    artifact("art-0002", "Fraud scoring", blueprint_id="bp-dataset", status="approved", created_on=day(1)),
    artifact("art-0003", "retail FRAUD", status="approved", created_on=day(2)),
    artifact("art-0004", "Churn", status="draft", created_on=None),
)


def ids(positions):
    return [LISTING.artifacts[i].id for i in positions]


def test_filters_combine_and_search_ignores_case():
    assert ids(pick_artifacts(LISTING, {}, blueprint="bp-model", status="approved")) == ["art-0003"]
    assert ids(pick_artifacts(LISTING, {}, q="  fraud ")) == ["art-0002", "art-0003"]
    assert ids(pick_artifacts(LISTING, {}, q="nothing")) == []


def test_sorts_with_undated_artifacts_first_and_ids_breaking_ties():
    assert ids(pick_artifacts(LISTING, {})) == ["art-0004", "art-0002", "art-0001", "art-0003"]
    assert ids(pick_artifacts(LISTING, {}, sort="created", descending=True)) == [
        "art-0001", "art-0003", "art-0002", "art-0004"]
    assert ids(pick_artifacts(LISTING, {}, sort="status")) == ["art-0002", "art-0003", "art-0004", "art-0001"]
    # Modified: the Govern mirror's date where it has one, else the creation date.
    modified = {"art-0002": day(10)}
    assert ids(pick_artifacts(LISTING, modified, sort="modified")) == ["art-0004", "art-0003", "art-0001", "art-0002"]
