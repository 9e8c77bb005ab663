"""The Govern summary served by the control API: ids by sign-off status and by artifact status, governed bundles."""

from __future__ import annotations

from sandbox.govern.lookups import required_reviewers
from sandbox.seed import HOSTILE_ARTIFACT
from sandbox.state import Store


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
