"""The Govern part of the control API: the summary (ids by sign-off status and by artifact status, governed
bundles) and the scale knob that keeps only so many sign-off steps open."""

from __future__ import annotations

from sandbox.clock import now_ms
from sandbox.govern.lookups import required_reviewers
from sandbox.http import bad_request
from sandbox.seed import HOSTILE_ARTIFACT
from sandbox.state import Store

OPEN = ("NOT_STARTED", "IN_PROGRESS", "DELEGATED")


def summary(store: Store) -> dict:
    """Ids by sign-off status and by artifact status, so tests need not hard-code seed details."""
    with store.lock:
        gov = store.govern
        by_status: dict[str, list] = {}
        for art_id, entries in gov["signOffs"].items():
            for entry in entries:
                item = {
                    "artifactId": art_id,
                    "stepId": entry["stepId"],
                    "reviews": len(entry["reviews"]),
                    "requiredReviewers": required_reviewers(store, art_id, entry["stepId"]),
                }
                if entry.get("delegatedTo"):
                    item["delegatedTo"] = entry["delegatedTo"]
                by_status.setdefault(entry["status"], []).append(item)
        artifacts: dict[str, list] = {}
        for art in gov["artifacts"].values():
            artifacts.setdefault(art["status"], []).append(art["id"])
        return {
            "signOffs": by_status,
            "artifactsByStatus": artifacts,
            "hostileArtifact": HOSTILE_ARTIFACT if HOSTILE_ARTIFACT in gov["artifacts"] else None,
            "users": sorted(gov["users"]),
            "blueprints": sorted(gov["blueprints"]),
            "bundles": [
                {"projectKey": entry["project_key"], "bundleId": entry["bundle_id"], "state": entry["state"],
                 "artifactIds": list(entry.get("artifact_ids", []))}
                for entry in gov.get("bundlePlan", [])
            ],
        }


def keep_open_steps(store: Store, keep: int) -> dict:
    """Decide every undecided sign-off step beyond the first `keep` (in artifact order), as if long since approved
    (a scale knob: a large seed with a realistic share of open steps). Returns the counts left."""
    if keep < 0:
        raise bad_request("keep must be zero or more")
    with store.lock:
        open_left = closed = 0
        for entries in store.govern["signOffs"].values():
            for entry in entries:
                if entry["status"] not in OPEN:
                    continue
                if open_left < keep:
                    open_left += 1
                    continue
                entry.pop("delegatedTo", None)
                entry["status"] = "APPROVED"
                entry["reviews"].append({"reviewer": "grace", "outcome": "APPROVED", "comment": "Closed by the seed",
                                         "reviewedOn": now_ms()})
                closed += 1
        return {"open": open_left, "closed": closed}
