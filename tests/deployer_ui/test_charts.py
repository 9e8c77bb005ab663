"""Traffic charts from stored samples (never a node call), numbers and labels for people, and health reasons wherever
a node's health is shown."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployer_ui import charts, display
from deployer_ui.models import ApiNodeSample
from deployer_ui.node_sampling import sample_all as sample_api_nodes

NODE, SERVICE = "apinode-a", "fraud-scoring"


def store_samples(minutes: int, *, per_minute: int = 1200, errors_per_minute: int = 6, latency: float = 20.0,
                  reset_at: int | None = None, failed_at: int | None = None, node: str = NODE,
                  daily_wave: bool = False) -> None:
    """One sample a minute for the last `minutes` minutes, as the sampling task stores them: counters that grow by
    `per_minute` requests and `errors_per_minute` errors a minute (restarting from 0 at minute `reset_at`), with a
    failed sampling at minute `failed_at`. With `daily_wave`, traffic and latency follow the hours of the day (for
    pictures; the numbers tests check are flat)."""
    now = timezone.now()
    rows, requests, errors = [], 500_000, 2_000
    for minute in range(minutes + 1):
        at = now - timedelta(minutes=minutes - minute)
        if minute == reset_at:
            requests, errors = 0, 0
        if minute == failed_at:
            rows.append(ApiNodeSample(node_id=node, taken_at=at, error="API node apinode-a cannot be reached"))
        else:
            rows.append(ApiNodeSample(
                node_id=node, taken_at=at, health_status="HEALTHY", total_requests=requests, error_count=errors,
                average_latency_ms=latency, active_requests=2,
                services={SERVICE: {"requests": requests, "errors": errors, "latency_ms": latency}},
            ))
        factor = 1 + 0.6 * math.sin(2 * math.pi * (at.hour * 60 + at.minute) / 1440) if daily_wave else 1
        requests += round(per_minute * factor)
        errors += round(errors_per_minute * factor * factor)
        if daily_wave:
            latency = round(18 + 10 * factor + (minute % 7), 1)
    ApiNodeSample.objects.bulk_create(rows)


# --- numbers and labels ----------------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("function,value,expected", [
    (display.count, 895857, "895,857"),
    (display.count, None, "—"),
    (display.per_minute, 1234, "1.2 k/min"),
    (display.per_minute, 999.7, "1 k/min"),
    (display.per_minute, 85, "85/min"),
    (display.per_minute, 0.5, "0.5/min"),
    (display.percent, 0.4213, "0.42%"),
    (display.percent, 12.5, "12%"),
    (display.percent, 0, "0%"),
    (display.milliseconds, 23.456, "23.5 ms"),
    (display.milliseconds, 1530, "1.53 s"),
    (display.label, "disabledServices", "Disabled services"),
    (display.label, "cpuLoad", "CPU load"),
    (display.label, "memory_used", "Memory used"),
    (display.value_text, ["recommendations"], "recommendations"),
    (display.value_text, [], "none"),
    (display.value_text, True, "yes"),
])
def test_values_read_as_people_write_them(function, value, expected):
    assert function(value) == expected


@pytest.mark.unit
def test_a_node_that_is_not_healthy_always_says_why():
    details = {"node": "apinode-b", "version": "13.4.0", "disk": "OK", "memory": "HIGH (91% used)",
               "disabledServices": ["recommendations"]}
    assert display.health_reasons("DEGRADED", details) == ["Memory: HIGH (91% used)",
                                                           "Disabled services: recommendations"]
    assert display.health_reasons("HEALTHY", details) == []
    assert display.health_reasons("UNHEALTHY", {"node": "x", "disk": "OK"}) == ["The node reported no reason."]


# --- series ----------------------------------------------------------------------------------------------------------


def test_rates_come_from_counter_differences(db, settings):
    store_samples(90)
    chart = charts.service_chart(NODE, SERVICE, charts.RANGES["1h"])
    requests, error_rate, latency = (chart.by_key[k] for k in ("requests", "error_rate", "latency"))
    assert len(chart.times) == len(requests.values) and 55 <= len(chart.times) <= 61
    assert requests.current == pytest.approx(1200, rel=0.01) and requests.current_text == "1.2 k/min"
    assert error_rate.current == pytest.approx(0.5, rel=0.01) and error_rate.current_text == "0.50%"
    assert latency.current_text == "20 ms" and chart.recent
    assert chart.requests == pytest.approx(1200 * 60, rel=0.02)
    summary = chart.series_summary(requests)
    assert summary.startswith("Requests per minute over the last hour: now 1.2 k/min; average 1.2 k/min")
    assert "errors in" in chart.series_summary(error_rate)


def test_a_restart_or_a_failed_sample_is_a_gap_not_a_dip(db):
    store_samples(50, reset_at=20, failed_at=35)
    values = charts.service_chart(NODE, SERVICE, charts.RANGES["1h"]).by_key["requests"].values
    known = [v for v in values if v is not None]
    assert known and min(known) == pytest.approx(1200, rel=0.01)  # never negative, never a fake spike
    assert values.count(None) >= 1


def test_long_ranges_are_bucketed_to_a_readable_number_of_points(db):
    store_samples(3 * 24 * 60)
    chart = charts.service_chart(NODE, SERVICE, charts.RANGES["7d"])
    assert len(chart.times) <= charts.MAX_POINTS + 1 and chart.times == tuple(sorted(chart.times))
    assert chart.by_key["requests"].high == pytest.approx(1200, rel=0.02)
    day = charts.service_chart(NODE, SERVICE, charts.RANGES["24h"])
    assert len(day.times) <= charts.MAX_POINTS + 1


def test_no_samples_say_so(db):
    chart = charts.service_chart(NODE, SERVICE, charts.RANGES["24h"])
    assert chart.empty and chart.by_key["requests"].current_text == "—"
    assert "no samples over the last 24 hours yet" in chart.summary


# --- JSON and pages --------------------------------------------------------------------------------------------------


def test_chart_json_is_served_from_samples_for_every_role(login, reviewer, sandbox):
    store_samples(30)
    sandbox.reset_stats()
    client = login(reviewer)
    body = client.get(reverse("deployer_ui:api_service_chart", args=[NODE, SERVICE]), {"range": "1h"}).json()
    assert body["range"] == "1h" and len(body["times"]) == len(body["series"][0]["values"])
    assert [s["key"] for s in body["series"]] == ["requests", "error_rate", "latency"]
    assert body["series"][0]["current_text"] == "1.2 k/min" and body["series"][0]["unit"] == "requests/min"
    node = client.get(reverse("deployer_ui:api_node_chart", args=[NODE]), {"range": "24h"}).json()
    assert node["range"] == "24h" and node["series"][0]["current_text"] == "1.2 k/min"
    assert client.get(reverse("deployer_ui:api_service_chart", args=[NODE, SERVICE]),
                      {"range": "2y"}).status_code == 400
    assert client.get(reverse("deployer_ui:api_node_chart", args=["no-such-node"])).status_code == 404
    assert not any(sandbox.stats().get(NODE, {}).values())  # charts never call a node


def test_the_service_page_tells_the_chart_in_text(login, auditor, sandbox):
    store_samples(120)
    client = login(auditor)
    url = reverse("deployer_ui:api_service", args=[NODE, SERVICE])
    html = client.get(url).content.decode()
    assert 'data-range="24h" data-testid="range-24h" aria-current="true"' in html
    assert re.search(r'data-testid="now-requests">1.2 k/min<', html)
    assert re.search(r'data-testid="now-error_rate">0.50%<', html)
    assert 'role="img" aria-label="Requests per minute over the last 24 hours: now 1.2 k/min' in html
    assert "vendor/uplot-1.6.32.min.js" in html and "js/charts.js" in html
    week = client.get(url, {"range": "7d"}).content.decode()
    assert 'data-range="7d" data-testid="range-7d" aria-current="true"' in week and "the last 7 days" in week
    assert client.get(url, {"range": "nonsense"}).status_code == 200  # a bad link falls back to the default


def test_the_node_list_has_a_chart_per_node_and_says_why_a_node_is_degraded(login, operator, sandbox):
    sample_api_nodes()  # the node cache the list reads; its real sample is replaced by a known hour of traffic
    ApiNodeSample.objects.all().delete()
    store_samples(30)
    html = login(operator).get(reverse("deployer_ui:api_nodes")).content.decode()
    cards = {node: re.search(rf'data-node="{node}".*?</section>', html, re.S).group(0)
             for node in ("apinode-a", "apinode-b")}
    assert cards["apinode-a"].count('data-testid="node-chart"') == 1
    assert re.search(r'data-testid="node-rate">1.2 k/min<', cards["apinode-a"])
    assert cards["apinode-b"].count('data-testid="node-chart"') == 1  # no samples of its own yet: says so
    assert 'data-testid="health-reasons"' not in cards["apinode-a"]
    reasons = re.search(r'data-testid="health-reasons".*?</ul>', cards["apinode-b"], re.S).group(0)
    assert "Memory: HIGH (91% used)" in reasons and "Disabled services: recommendations" in reasons
    totals = re.search(r'data-testid="node-totals">([^<]*)<', cards["apinode-b"]).group(1)
    assert re.search(r"\d{1,3}(,\d{3})+ requests", totals)


def test_the_node_page_turns_health_details_into_labels(login, operator, sandbox):
    html = login(operator).get(reverse("deployer_ui:api_node", args=["apinode-b"])).content.decode()
    details = re.search(r'data-testid="health-details">(.*?)</dl>', html, re.S).group(1)
    assert "<dt>Disabled services</dt><dd>recommendations</dd>" in details
    assert "disabledServices" not in html and "[&#x27;recommendations&#x27;]" not in html
    reasons = re.search(r'data-testid="health-reasons">(.*?)</div>', html, re.S).group(1)
    assert "Why DEGRADED" in reasons and "Memory: HIGH (91% used)" in reasons
