"""The shared defensive readers of upstream JSON bodies (portal/parsing.py)."""

from datetime import UTC, datetime

import pytest

from portal.lib.parsing import Parser, ms_to_datetime, number, opt_list, opt_obj, text, texts, whole_number
from portal.lib.upstream import UpstreamBadResponse

P = Parser("Testing")


@pytest.mark.parametrize(
    "call",
    [
        lambda: P.obj([1, 2], "a thing"),
        lambda: P.obj(None, "a thing"),
        lambda: P.array({"a": 1}, "things"),
        lambda: P.objects([{"a": 1}, "b"], "things"),
        lambda: P.objects({"a": 1}, "things"),
        lambda: P.required_id({"id": ""}, "id", "a thing"),
        lambda: P.required_id({"id": 7}, "id", "a thing"),
        lambda: P.required_id({}, "id", "a thing"),
        lambda: P.string({"name": 3}, "name"),
        lambda: P.integer({"count": "3"}, "count"),
        lambda: P.integer({"count": 2.5}, "count"),
        lambda: P.boolean({"flag": "yes"}, "flag"),
        lambda: P.boolean({"flag": None}, "flag"),
        lambda: P.strings({"tags": "a"}, "tags"),
        lambda: P.strings({"tags": ["a", 1]}, "tags"),
        lambda: P.items({"rows": {"a": 1}}, "rows", dict),
        lambda: P.items({"rows": [1]}, "rows", dict),
    ],
)
def test_malformed_shapes_raise_bad_response_naming_the_upstream(call):
    with pytest.raises(UpstreamBadResponse) as caught:
        call()
    assert caught.value.upstream == "Testing"
    assert caught.value.message.startswith("answered ")


def test_messages_say_what_was_wrong_and_never_echo_the_value():
    secret = "s3cr3t-api-key"
    with pytest.raises(UpstreamBadResponse) as caught:
        P.string({"apiKey": [secret]}, "apiKey")
    assert "'apiKey'" in caught.value.message and "not a string" in caught.value.message
    assert secret not in str(caught.value) and secret not in caught.value.message
    with pytest.raises(UpstreamBadResponse) as caught:
        P.obj(secret, "infra settings")
    assert "infra settings" in caught.value.message and secret not in str(caught.value)


def test_strict_readers_return_well_formed_values_and_defaults():
    data = {"id": "x", "n": 3, "ok": True, "tags": ["a", "b"], "rows": [{"v": 1}, {"v": 2}]}
    assert P.obj(data, "a thing") is data
    assert P.array([1, "a"], "things") == [1, "a"]
    assert P.objects([], "things") == []
    assert P.required_id(data, "id", "a thing") == "x"
    assert P.string(data, "id") == "x"
    assert P.string(data, "missing", default="d") == "d"
    assert P.integer(data, "n") == 3 and P.integer(data, "missing") is None
    assert P.boolean(data, "ok") is True and P.boolean(data, "missing") is False
    assert P.strings(data, "tags") == ("a", "b") and P.strings(data, "missing") == ()
    assert P.items(data, "rows", lambda row: row["v"]) == (1, 2)
    assert P.items(data, "missing", lambda row: row) == ()


def test_bools_are_not_numbers():
    assert number(True) is None and number(False) is None
    assert whole_number(True) is None
    with pytest.raises(UpstreamBadResponse):
        P.integer({"count": True}, "count")
    assert ms_to_datetime(True) is None


def test_lenient_numbers():
    assert number(3) == 3.0 and isinstance(number(3), float)
    assert number(2.5) == 2.5
    assert number("3") is None and number(None) is None
    assert number(float("nan")) is None and number(float("inf")) is None and number(10**400) is None
    assert whole_number(7) == 7 and whole_number(7.9) == 7
    assert whole_number("7") is None and whole_number(float("nan")) is None


def test_ms_timestamps_convert_to_aware_utc_datetimes():
    when = ms_to_datetime(1_700_000_000_123)
    assert when == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert when.tzinfo is not None and when.utcoffset().total_seconds() == 0
    assert ms_to_datetime(1_700_000_000_000.0) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, 0, -5, "1700000000000", 10**30, [], {}])
def test_unusable_timestamps_are_none(value):
    assert ms_to_datetime(value) is None


def test_lenient_containers_and_text():
    assert opt_obj({"a": 1}) == {"a": 1} and opt_obj([1]) == {} and opt_obj(None) == {}
    assert opt_list([1]) == [1] and opt_list({"a": 1}) == [] and opt_list(None) == []
    assert text(None) == "" and text("a") == "a" and text(3) == "3"
    assert texts(["a", 2, None]) == ("a", "2", "") and texts("ab") == () and texts(None) == ()
