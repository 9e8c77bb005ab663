"""Deterministic seed data: the same seed always gives the same ids, names, values and timestamps."""

from __future__ import annotations

import datetime as dt
import random
import string

# 2025-01-01T00:00:00Z. Fixed rather than "now" so that a seed reproduces its timestamps exactly.
BASE_TS = 1_735_689_600_000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_IMG = '"><img src=x onerror=alert(1)>'

# Facts of the default seed that tests (and the demo's README) rely on: use these names, never the bare values.
DEFAULT_ARTIFACT_COUNT = 48
DEFAULT_DEPLOYMENT_COUNT = 14
FIRST_ARTIFACT = "art-0001"  # a governed model with every field type and open steps
HOSTILE_ARTIFACT = "art-0007"  # name and fields carry HOSTILE_SCRIPT / HOSTILE_IMG
FIRST_STEP = "technical-review"  # the first sign-off step of the model blueprint

SIGN_OFF_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "APPROVED", "REJECTED", "DELEGATED")
HEALTH_VALUES = ("HEALTHY", "WARNING", "ERROR", "OUT_OF_SYNC", "UNKNOWN")


def seed_all(seed: int, artifacts: int, deployments: int, services: int | None = None) -> dict:
    """Build the state of every upstream. Each upstream has its own RNG so scaling one leaves the others unchanged.

    Govern's last artifacts govern the bundles the Deployer runs (see `bundle_plan`), so the DSS seed comes first.
    `services` (per API node) adds generated services after the curated ones; None keeps the curated ones only."""
    dss = seed_dss(random.Random(f"dss-{seed}"), deployments)
    return {
        "govern": seed_govern(random.Random(f"govern-{seed}"), artifacts, deployed_bundles(dss)),
        "dss": dss,
        "apinodes": {
            "apinode-a": seed_apinode(random.Random(f"apinode-a-{seed}"), "apinode-a", services),
            "apinode-b": seed_apinode(random.Random(f"apinode-b-{seed}"), "apinode-b", services),
        },
    }


# --------------------------------------------------------------------------------------------- Govern

USERS = (
    ("svc-portal", "Portal service account", ("govern-admin",)),
    ("alice", "Alice Martin", ("reviewer", "model-owner")),
    ("bob", "Bob Dupont", ("reviewer",)),
    ("carol", "Carol Nguyen", ("reviewer",)),
    ("dave", "Dave Okafor", ("operator",)),
    ("erin", "Erin Schmidt", ("auditor",)),
    ("frank", "Frank Rossi", ("govern-admin",)),
    ("grace", "Grace Kim", ("model-owner",)),
    ("heidi", "Heidi Larsen", ("model-owner",)),
)
REVIEWERS = ("alice", "bob", "carol")
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")

ROLES = (
    ("reviewer", "Reviewer", "Reviews sign-off steps", ("artifact.read", "signoff.review")),
    ("operator", "Operator", "Deploys approved artifacts", ("artifact.read", "deployment.run")),
    ("auditor", "Auditor", "Read-only access for audits", ("artifact.read", "audit.read")),
    (
        "govern-admin",
        "Govern administrator",
        "Manages blueprints, artifacts and roles",
        ("artifact.read", "artifact.write", "blueprint.write", "signoff.review", "signoff.delegate", "role.admin"),
    ),
    ("model-owner", "Model owner", "Owns governed models", ("artifact.read", "artifact.write")),
)

WORKFLOW = {
    "statuses": [
        {"id": "draft", "name": "Draft", "color": "#9e9e9e"},
        {"id": "in-review", "name": "In review", "color": "#2196f3"},
        {"id": "approved", "name": "Approved", "color": "#4caf50"},
        {"id": "rejected", "name": "Rejected", "color": "#f44336"},
        {"id": "deployed", "name": "Deployed", "color": "#673ab7"},
        {"id": "retired", "name": "Retired", "color": "#795548"},
    ],
    "transitions": [
        {"fromStatus": a, "toStatus": b}
        for a, b in (
            ("draft", "in-review"),
            ("in-review", "approved"),
            ("in-review", "rejected"),
            ("rejected", "draft"),
            ("approved", "deployed"),
            ("deployed", "retired"),
        )
    ],
}
ARTIFACT_STATUSES = tuple(status["id"] for status in WORKFLOW["statuses"])


def _field(fid, name, ftype, required=False, options=None, description=""):
    field = {"id": fid, "name": name, "description": description or name, "type": ftype, "required": required}
    if options is not None:
        field["options"] = list(options)
    return field


def _step(sid, name, required_reviewers, assignee_type):
    return {
        "id": sid,
        "name": name,
        "description": f"{name} sign-off",
        "requiredReviewers": required_reviewers,
        "assigneeType": assignee_type,
    }


MODEL_FIELDS = [
    _field("summary", "Summary", "TEXT", required=True),
    _field("description", "Description", "LONG_TEXT"),
    _field("risk_score", "Risk score", "NUMBER"),
    _field("uses_pii", "Uses personal data", "BOOLEAN", required=True),
    _field("review_date", "Next review date", "DATE"),
    _field("risk_tier", "Risk tier", "SELECT", options=("Low", "Medium", "High", "Critical")),
    _field("regions", "Regions", "MULTISELECT", options=("EU", "US", "APAC", "LATAM")),
    _field("owner", "Owner", "USER"),
    _field("reviewers", "Reviewers", "USERS"),
]
PROJECT_FIELDS = [
    _field("summary", "Summary", "TEXT", required=True),
    _field("business_unit", "Business unit", "SELECT", options=("Marketing", "Finance", "Operations", "Risk")),
    _field("go_live", "Go-live date", "DATE"),
    _field("sponsor", "Sponsor", "USER"),
]
DATASET_FIELDS = [
    _field("source_system", "Source system", "TEXT"),
    _field("contains_pii", "Contains personal data", "BOOLEAN", required=True),
    _field("row_count", "Row count", "NUMBER"),
    _field("stewards", "Data stewards", "USERS"),
]

BUNDLE_FIELDS = [
    _field("summary", "Summary", "TEXT", required=True),
    _field("project_key", "Published project key", "TEXT", required=True,
           description="The Deployer's published project the bundle belongs to"),
    _field("bundle_id", "Bundle id", "TEXT", required=True, description="The bundle's id in its published project"),
    _field("release_notes", "Release notes", "LONG_TEXT"),
]

# Every blueprint names an artifact's reviewers (the portal's "assigned to me"); the model's is part of its fields, the
# others get it appended to their live versions, with values from an RNG of their own so no other value moves.
REVIEWERS_FIELD = _field("reviewers", "Reviewers", "USERS")

BLUEPRINTS = (
    (
        "bp-model",
        "Governed model",
        "Machine-learning models under governance",
        "model",
        MODEL_FIELDS,
        [
            _step("technical-review", "Technical review", 2, "ROLE"),
            _step("business-review", "Business review", 1, "USER"),
            _step("compliance-review", "Compliance review", 1, "GROUP"),
        ],
    ),
    (
        "bp-project",
        "Governed project",
        "DSS projects under governance",
        "project",
        PROJECT_FIELDS,
        [_step("project-review", "Project review", 1, "ROLE"), _step("go-live", "Go-live approval", 2, "USER")],
    ),
    (
        "bp-dataset",
        "Governed dataset",
        "Datasets holding sensitive data",
        "dataset",
        DATASET_FIELDS,
        [_step("data-quality", "Data quality review", 1, "ROLE")],
    ),
    (
        "bp-bundle",
        "Governed bundle",
        "Project bundles released to the Deployer (linked by their project key and bundle id fields)",
        "bundle",
        BUNDLE_FIELDS,
        [_step("release-review", "Release review", 1, "ROLE"),
         _step("production-approval", "Production approval", 1, "USER")],
    ),
)

_ADJECTIVES = ("Customer", "Quarterly", "Regional", "Realtime", "Legacy", "Retail", "Wholesale", "Mobile")
_NOUNS = ("churn", "fraud", "pricing", "forecast", "credit risk", "recommendation", "segmentation", "claims")
_KINDS = {"bp-model": "model", "bp-project": "project", "bp-dataset": "dataset"}
# Bundle artifacts come from `bundle_plan`, never from the random draw of the others.
_RANDOM_BLUEPRINTS = tuple(_KINDS)
SHOWCASE_ARTIFACTS = 8  # art-0001 … art-0008 are always governed models (the hostile one, the delegation)


def field_value(rng: random.Random, field: dict):
    """A random value of the right JSON type for a field setting."""
    ftype = field["type"]
    if ftype == "TEXT":
        return f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {field['id'].replace('_', ' ')}"
    if ftype == "LONG_TEXT":
        return "\n".join(f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} notes, line {n}." for n in range(1, 4))
    if ftype == "NUMBER":
        return rng.randint(1, 10_000) if field["id"] == "row_count" else round(rng.uniform(0, 100), 2)
    if ftype == "BOOLEAN":
        return rng.random() < 0.5
    if ftype == "DATE":
        return (dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(-200, 200))).isoformat()
    if ftype == "SELECT":
        return rng.choice(field["options"])
    if ftype == "MULTISELECT":
        return sorted(rng.sample(field["options"], rng.randint(1, len(field["options"]))))
    if ftype == "USER":
        return rng.choice(PEOPLE)
    if ftype == "USERS":
        return sorted(rng.sample(PEOPLE, rng.randint(1, 3)))
    raise ValueError(f"unknown field type {ftype}")


def seed_govern(rng: random.Random, artifact_count: int, bundles: tuple[tuple[str, str], ...] = ()) -> dict:
    """Users, roles, blueprints with versions, artifacts with custom fields and sign-offs.

    The last artifacts govern the Deployer's deployed `bundles` (see `bundle_plan`); the others are drawn at random."""
    users = {
        login: {"login": login, "displayName": name, "email": f"{login}@example.com", "roles": list(roles)}
        for login, name, roles in USERS
    }
    roles = {
        rid: {"id": rid, "name": name, "description": desc, "permissions": list(perms)}
        for rid, name, desc, perms in ROLES
    }
    blueprints, versions = {}, {}
    for bp_id, name, desc, icon, fields, steps in BLUEPRINTS:
        live = fields if any(f["id"] == "reviewers" for f in fields) else [*fields, REVIEWERS_FIELD]
        blueprints[bp_id] = {
            "id": bp_id,
            "name": name,
            "description": desc,
            "icon": icon,
            "fieldSettings": live,
            "signOffConfiguration": {"steps": steps},
            "workflowConfiguration": WORKFLOW,
        }
        # v1 is the archived ancestor (fewer fields, first step only), v2 is live, v3 is being drafted.
        versions[bp_id] = {
            f"{bp_id}-v{number}": {
                "id": f"{bp_id}-v{number}",
                "blueprintId": bp_id,
                "versionNumber": number,
                "status": status,
                "fieldSettings": fields[: max(2, len(fields) - 2)] if number == 1 else live,
                "signOffConfiguration": {"steps": steps[:1] if number == 1 else steps},
                "createdOn": BASE_TS - (4 - number) * 90 * DAY_MS,
            }
            for number, status in ((1, "ARCHIVED"), (2, "PUBLISHED"), (3, "DRAFT"))
        }

    artifacts, sign_offs = {}, {}
    bp_ids = list(_RANDOM_BLUEPRINTS)
    plan = bundle_plan(bundles, max(0, artifact_count - SHOWCASE_ARTIFACTS))
    random_count = artifact_count - sum(len(entry["artifacts"]) for entry in plan)
    for number in range(1, random_count + 1):
        art_id = f"art-{number:04d}"
        # The first eight are governed models so the showcase ids (hostile art-0007, the delegation) are stable.
        bp_id = "bp-model" if number <= 8 else rng.choices(bp_ids, weights=(6, 3, 2))[0]
        version_id = f"{bp_id}-v1" if number % 11 == 0 else f"{bp_id}-v2"
        version = versions[bp_id][version_id]
        created = BASE_TS - rng.randint(1, 365) * DAY_MS - rng.randint(0, 23) * HOUR_MS
        creator = rng.choice(PEOPLE)
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {_KINDS[bp_id]} #{number}"
        custom = {f["id"]: field_value(rng, f) for f in version["fieldSettings"] if f is not REVIEWERS_FIELD}
        if any(f is REVIEWERS_FIELD for f in version["fieldSettings"]):
            side = random.Random(f"reviewers-{number}")
            custom["reviewers"] = sorted(side.sample(REVIEWERS, side.randint(1, 2)))
        if number == 7:
            name = f"{HOSTILE_SCRIPT} Churn model {HOSTILE_IMG}"
            for field in version["fieldSettings"]:
                if field["type"] == "TEXT":
                    custom[field["id"]] = f"{HOSTILE_IMG} {HOSTILE_SCRIPT}"
                elif field["type"] == "LONG_TEXT":
                    custom[field["id"]] = f"First line {HOSTILE_SCRIPT}\nSecond line {HOSTILE_IMG}\n&amp; &lt;b&gt;"
        artifacts[art_id] = {
            "id": art_id,
            "name": name,
            "blueprintId": bp_id,
            "blueprintVersionId": version_id,
            "status": ARTIFACT_STATUSES[number % len(ARTIFACT_STATUSES)],
            "customFields": custom,
            "createdOn": created,
            "createdBy": creator,
            "lastModifiedOn": created + rng.randint(1, 30) * DAY_MS,
            "lastModifiedBy": rng.choice(PEOPLE),
        }
        sign_offs[art_id] = _seed_sign_offs(rng, number, version["signOffConfiguration"]["steps"], created)
    number = random_count
    for entry in plan:
        for offset, state in enumerate(entry["artifacts"]):
            number += 1
            art_id = f"art-{number:04d}"
            artifacts[art_id], sign_offs[art_id] = _bundle_artifact(
                rng, art_id, versions["bp-bundle"]["bp-bundle-v2"], entry["project_key"], entry["bundle_id"], state,
                created=BASE_TS + (offset - 2) * 7 * DAY_MS)
            entry.setdefault("artifact_ids", []).append(art_id)
    return {
        "users": users,
        "roles": roles,
        "blueprints": blueprints,
        "versions": versions,
        "artifacts": artifacts,
        "signOffs": sign_offs,
        "nextArtifact": artifact_count + 1,
        "bundlePlan": plan,
    }


# Sign-off state of each deployed bundle, in the order of the sorted (project, bundle) pairs: every kind the wall
# shows. "withdrawn" is an approved artifact superseded by a newer one that is back under review; "ungoverned" has no
# artifact at all. Only the first "rejected" stays rejected (one rejected bundle is deployed); later cycles approve.
BUNDLE_STATES = ("approved", "pending", "approved", "ungoverned", "approved", "pending", "withdrawn", "rejected")
_BUNDLE_ARTIFACTS = {"approved": ("approved",), "pending": ("pending",), "rejected": ("rejected",),
                     "withdrawn": ("approved", "pending"), "ungoverned": ()}


def deployed_bundles(dss: dict) -> tuple[tuple[str, str], ...]:
    """The (published project key, bundle id) pairs the seeded deployments run, sorted."""
    return tuple(sorted({(dep["settings"]["publishedProjectKey"], dep["settings"]["bundleId"])
                         for dep in dss["deployments"].values()}))


def bundle_plan(bundles: tuple[tuple[str, str], ...], room: int) -> list[dict]:
    """Which deployed bundles get which sign-off state, within `room` artifacts: [{"project_key", "bundle_id",
    "state", "artifacts": (state of each artifact, oldest first)}]."""
    plan, used, rejected = [], 0, False
    for index, (project_key, bundle_id) in enumerate(bundles):
        state = BUNDLE_STATES[index % len(BUNDLE_STATES)]
        if state == "rejected":
            state, rejected = ("approved", True) if rejected else ("rejected", True)
        needed = _BUNDLE_ARTIFACTS[state]
        if used + len(needed) > room:
            break
        used += len(needed)
        plan.append({"project_key": project_key, "bundle_id": bundle_id, "state": state, "artifacts": needed})
    return plan


def _bundle_artifact(rng: random.Random, art_id: str, version: dict, project_key: str, bundle_id: str, state: str,
                     created: int) -> tuple[dict, list]:
    """One bundle artifact (linked by its custom fields) and its sign-offs in `state` (approved, pending, rejected)."""
    reviewers = rng.sample(REVIEWERS, 2)
    when = created + DAY_MS
    steps = version["signOffConfiguration"]["steps"]
    first = {"stepId": steps[0]["id"], "stepName": steps[0]["name"], "status": "APPROVED",
             "reviews": [_review(rng, reviewers[0], "APPROVED", when)]}
    second = {"stepId": steps[1]["id"], "stepName": steps[1]["name"], "status": "NOT_STARTED", "reviews": []}
    if state == "approved":
        second.update(status="APPROVED", reviews=[_review(rng, reviewers[1], "APPROVED", when + HOUR_MS)])
    elif state == "rejected":
        second.update(status="REJECTED", reviews=[_review(rng, reviewers[1], "REJECTED", when + HOUR_MS)])
    elif state == "pending":
        first.update(status="IN_PROGRESS", reviews=[])
    artifact = {
        "id": art_id,
        "name": f"{project_key} bundle {bundle_id}",
        "blueprintId": "bp-bundle",
        "blueprintVersionId": version["id"],
        "status": {"approved": "deployed", "rejected": "rejected"}.get(state, "in-review"),
        "customFields": {"summary": f"Release {bundle_id} of {project_key}", "project_key": project_key,
                         "bundle_id": bundle_id,
                         "release_notes": f"Bundle {bundle_id} as published.\nSee the Deployer."},
        "createdOn": created,
        "createdBy": rng.choice(PEOPLE),
        "lastModifiedOn": when + HOUR_MS,
        "lastModifiedBy": reviewers[1],
    }
    return artifact, [first, second]


def _review(rng, reviewer, outcome, when):
    verb = "Looks good" if outcome == "APPROVED" else "Needs rework"
    return {"reviewer": reviewer, "outcome": outcome, "comment": f"{verb} ({reviewer})", "reviewedOn": when}


def _seed_sign_offs(rng: random.Random, number: int, steps: list, created: int) -> list:
    """Steps are walked in order: earlier ones approved, the current one in some state, later ones not started."""
    current = number % (len(steps) + 1)  # == len(steps) means every step is approved
    state = ("IN_PROGRESS", "REJECTED", "NOT_STARTED", "APPROVED")[(number // 3) % 4]
    when = created + DAY_MS
    result = []
    for index, step in enumerate(steps):
        entry = {"stepId": step["id"], "stepName": step["name"], "status": "NOT_STARTED", "reviews": []}
        reviewers = rng.sample(REVIEWERS, len(REVIEWERS))
        required = step["requiredReviewers"]
        if index < current or (index == current and state == "APPROVED"):
            entry["status"] = "APPROVED"
            entry["reviews"] = [_review(rng, reviewers[k], "APPROVED", when + k * HOUR_MS) for k in range(required)]
        elif index == current and state == "REJECTED":
            entry["status"] = "REJECTED"
            entry["reviews"] = [_review(rng, reviewers[0], "REJECTED", when)]
        elif index == current and state == "IN_PROGRESS":
            entry["status"] = "IN_PROGRESS"
            entry["reviews"] = [_review(rng, reviewers[0], "APPROVED", when)] if required > 1 else []
        result.append(entry)
    if number == 3:
        # The one delegation: alice approved the technical review, then handed her second seat to carol.
        result[0] = {
            "stepId": steps[0]["id"],
            "stepName": steps[0]["name"],
            "status": "DELEGATED",
            "reviews": [_review(rng, "alice", "APPROVED", when)],
            "delegatedTo": "carol",
        }
        for entry in result[1:]:
            entry.update(status="NOT_STARTED", reviews=[])
    return result


# --------------------------------------------------------------------------------------------- DSS

STAGES = (
    ("Development", "For applications development"),
    ("Test", "Acceptance testing"),
    ("Production", "Running live for users"),
)
INFRAS = (
    ("infra-dev", "Development"),
    ("infra-dev-k8s", "Development"),
    ("infra-test", "Test"),
    ("infra-prod", "Production"),
    ("infra-prod-eu", "Production"),
)
PROJECTS = (
    ("CHURN", "Customer churn"),
    ("FRAUD", "Fraud detection"),
    ("PRICING", "Dynamic pricing"),
    ("FORECAST", "Demand forecast"),
    ("RECO", "Recommendations"),
    ("CREDIT", "Credit risk scoring"),
    ("LEGACY_ETL", "Legacy ETL (no deployments)"),
)
# Curated ids for the default seed; larger seeds add generated ones.
DEPLOYMENTS = (
    ("churn-dev", "CHURN", "infra-dev"),
    ("churn-test", "CHURN", "infra-test"),
    ("churn-prod", "CHURN", "infra-prod"),
    ("fraud-dev", "FRAUD", "infra-dev-k8s"),
    ("fraud-prod", "FRAUD", "infra-prod"),
    ("fraud-prod-eu", "FRAUD", "infra-prod-eu"),
    ("pricing-test", "PRICING", "infra-test"),
    ("pricing-prod-fails", "PRICING", "infra-prod"),
    ("forecast-dev", "FORECAST", "infra-dev"),
    ("forecast-prod", "FORECAST", "infra-prod-eu"),
    ("reco-dev", "RECO", "infra-dev-k8s"),
    ("reco-test-warns", "RECO", "infra-test"),
    ("credit-test-fails", "CREDIT", "infra-test"),
    ("credit-prod", "CREDIT", "infra-prod"),
)
SCENARIOS = ("REFRESH_DATA", "RETRAIN_MODEL", "SCORE_DAILY", "EXPORT_REPORT")
DSS_USERS = (("admin", "DSS administrator"), ("niceUser", "A nice user"), ("deployer", "Deployment bot"))
COLORS = ("#f44336", "#31439c", "#4caf50", "#ff9800", "#9c27b0", "#009688")


def version_tag(number: int, login: str, when: int, display: str | None = None) -> dict:
    """A DSS VersionTag."""
    by = {"login": login}
    if display:
        by["displayName"] = display
    return {"versionNumber": number, "lastModifiedBy": by, "lastModifiedOn": when}


def health_messages(health: str, deployment_id: str, bundle_id: str = "", deployed: str = "") -> list:
    """Health messages in the DSS message shape (severity, title, message) for a health value."""
    if health == "WARNING":
        return [{"severity": "WARNING", "title": "Scenario warning",
                 "message": f"Scenario SCORE_DAILY of {deployment_id} ended with warnings"}]
    if health == "ERROR":
        return [{"severity": "ERROR", "title": "Scenario failure",
                 "message": f"Scenario REFRESH_DATA of {deployment_id} failed: connection refused"}]
    if health == "OUT_OF_SYNC":
        return [{"severity": "WARNING", "title": "Out of sync",
                 "message": f"Bundle {bundle_id or 'set in settings'} is not the deployed one ({deployed or 'none'})"}]
    if health == "UNKNOWN":
        return [{"severity": "INFO", "title": "Unknown state", "message": "The automation node has not reported yet"}]
    return []


def monitoring_for(rng: random.Random, health: str) -> dict:
    """Scenario monitoring lists consistent with a health value."""
    scenarios = list(SCENARIOS)
    rng.shuffle(scenarios)
    monitoring = {"failed": [], "warning": [], "successful": [], "aborted": [], "running": []}
    if health == "UNKNOWN":
        return monitoring
    if health == "ERROR":
        monitoring["failed"] = scenarios[:1]
    elif health == "WARNING":
        monitoring["warning"] = scenarios[:1]
    else:
        monitoring["successful"] = scenarios[:1]
    monitoring["successful"] += scenarios[1:3]
    monitoring["running"] = scenarios[3:] if rng.random() < 0.3 else []
    return monitoring


def seed_dss(rng: random.Random, deployment_count: int) -> dict:
    """Stages, infras, published projects with bundles, deployments in every health state."""
    infras = {}
    for index, (infra_id, stage) in enumerate(INFRAS):
        created = BASE_TS - (400 - index) * DAY_MS
        infras[infra_id] = {
            "id": infra_id,
            "stage": stage,
            "permissions": [
                {"group": "administrators", "read": True, "deploy": True, "admin": True},
                {"group": "data_scientists", "read": True, "deploy": stage != "Production", "admin": False},
            ],
            "creationTag": version_tag(1, "admin", created),
            "versionTag": version_tag(1 + index, "admin", created + 10 * DAY_MS),
            "autoconfigureFromNodesDirectory": False,
            "nodeId": f"automation-{infra_id.removeprefix('infra-')}",
            "automationNodeUrl": f"http://automation-{infra_id.removeprefix('infra-')}.example.com:11200",
            "adminApiKey": "".join(rng.choices(string.ascii_letters + string.digits, k=32)),
            "trustAllSSLCertificates": stage != "Production",
            "defaultConnectionRemapping": [{"source": "filesystem_managed", "target": f"fs_{stage.lower()}"}],
        }
    projects = {}
    for index, (key, name) in enumerate(PROJECTS):
        created = BASE_TS - (300 - 10 * index) * DAY_MS
        bundles = []
        for number in range(1, rng.randint(2, 5) + 1):
            bundles.append({
                "id": f"v{number}",
                "publishedOn": created + number * 7 * DAY_MS,
                "publishedBy": rng.choice(DSS_USERS)[0],
                "designNodeInfo": {"projectKey": key, "nodeId": "design-01", "url": "http://design.example.com:11000"},
            })
        color = COLORS[index % len(COLORS)]
        projects[key] = {
            "id": key,
            "name": name,
            "owner": "niceUser",
            "permissions": [{"group": "data_scientists", "read": True, "write": True, "deploy": True, "admin": False}],
            "creationTag": version_tag(1, "niceUser", created),
            "versionTag": version_tag(len(bundles) + 1, "niceUser", bundles[-1]["publishedOn"]),
            "basicImageInfo": {"imgColor": color, "imgPattern": index + 1, "showInitials": True},
            "imageInfo": {"objectImgHash": rng.randint(1, 2**31), "isUploadedImg": False, "defaultImgColor": color,
                          "imgColor": color, "showInitials": True, "imgPattern": index + 1},
            "bundles": bundles,
        }
    plan = list(DEPLOYMENTS[:deployment_count])
    active_projects = [key for key, _ in PROJECTS if key != "LEGACY_ETL"]
    for number in range(len(plan) + 1, deployment_count + 1):
        key = active_projects[number % len(active_projects)]
        plan.append((f"dep-{key.lower()}-{number:05d}", key, INFRAS[number % len(INFRAS)][0]))
    deployments = {}
    for index, (dep_id, key, infra_id) in enumerate(plan):
        health = "ERROR" if dep_id.endswith("-fails") else HEALTH_VALUES[index % len(HEALTH_VALUES)]
        deployments[dep_id] = _seed_deployment(rng, dep_id, projects[key], infra_id, health)
    return {
        "stages": [{"id": sid, "desc": desc} for sid, desc in STAGES],
        "infras": infras,
        "projects": projects,
        "deployments": deployments,
    }


def _seed_deployment(rng, dep_id, project, infra_id, health):
    bundles = [bundle["id"] for bundle in project["bundles"]]
    deployed = bundles[-2] if len(bundles) > 1 else bundles[-1]
    bundle_id = bundles[-1] if health == "OUT_OF_SYNC" else deployed
    created = BASE_TS - rng.randint(10, 200) * DAY_MS
    login, display = rng.choice(DSS_USERS)
    scenarios = rng.sample(SCENARIOS, 2)
    return {
        "settings": {
            "id": dep_id,
            "infraId": infra_id,
            "creationTag": version_tag(1, login, created),
            "versionTag": version_tag(rng.randint(2, 20), login, created + rng.randint(1, 9) * DAY_MS),
            "tags": sorted(rng.sample(("critical", "batch", "realtime", "eu", "pilot"), 2)),
            "publishedProjectKey": project["id"],
            "bundleId": bundle_id,
            "deployedProjectKey": f"{project['id']}_{infra_id.removeprefix('infra-').upper().replace('-', '_')}",
            "projectFolderId": "".join(rng.choices(string.ascii_letters + string.digits, k=7)),
            "disableAutomaticTriggers": False,
            "bundleContainerSettings": {
                "remapping": {
                    "connections": [{"source": "filesystem_managed", "target": "fs_automation"}],
                    "codeEnvs": [{"source": "py39_design", "target": "py39_automation"}],
                },
                "codeEnvsBehavior": {"envImportSpecificationMode": "SPECIFIED", "importTimeMode": "INSTALL_IF_MISS"},
            },
            "localVariables": {"env": infra_id, "batch_size": rng.choice((100, 500, 1000))},
            "scenariosToActivate": {scenarios[0]: True, scenarios[1]: False},
        },
        "createdByDisplayName": display,
        "lastModifiedByDisplayName": display,
        "deployedBundleId": None if health == "UNKNOWN" else deployed,
        "neverEverDeployed": health == "UNKNOWN",
        "health": health,
        "healthMessages": health_messages(health, dep_id, bundle_id, deployed),
        "monitoring": monitoring_for(rng, health),
        "hasScenarios": True,
        "hasActiveScenarios": health != "UNKNOWN",
    }


# --------------------------------------------------------------------------------------------- API nodes

APINODE_SERVICES = {
    "apinode-a": (
        ("churn-prediction", True, (("predict-churn", "STD_PREDICTION", "CHURN.churn_model"),)),
        ("fraud-scoring", True, (("score", "CUSTOM_PREDICTION", "FRAUD.fraud_model"),
                                 ("explain", "PYTHON_FUNCTION", ""))),
        ("customer-lookup", True, (("lookup", "DATASET_LOOKUP", "CHURN.customers"),
                                   ("segment-query", "SQL_QUERY", ""))),
    ),
    "apinode-b": (
        ("churn-prediction", True, (("predict-churn", "STD_PREDICTION", "CHURN.churn_model"),)),
        ("pricing-r", True, (("price", "R_PREDICTION", "PRICING.price_model"), ("elasticity", "R_FUNCTION", ""),
                             ("custom-price", "CUSTOM_R_PREDICTION", "PRICING.price_model_r"))),
        ("recommendations", False, (("recommend", "CUSTOM_PREDICTION", "RECO.reco_model"),)),
    ),
}


def scaled_services(node: str, count: int | None) -> tuple:
    """The curated services of `node`, then generated ones (`svc-NNN`, one prediction endpoint, one in ten disabled)
    up to `count` in all; None or a smaller count keeps the curated ones."""
    curated = APINODE_SERVICES[node]
    extra = tuple(
        (f"svc-{n:03d}", n % 10 != 0, ((f"predict-{n:03d}", "STD_PREDICTION", f"SCALE.model_{n:03d}"),))
        for n in range(len(curated) + 1, (count or 0) + 1)
    )
    return curated + extra


def seed_apinode(rng: random.Random, node: str, service_count: int | None = None) -> dict:
    """Services with generations (one active, some preloaded), auth keys, metric baselines and health."""
    services = {}
    for index, (service_id, enabled, endpoints) in enumerate(scaled_services(node, service_count)):
        endpoint_list = [
            {"id": eid, "type": etype, **({"modelRef": ref} if ref else {})} for eid, etype, ref in endpoints
        ]
        count = rng.randint(2, 4)
        generations = {}
        for number in range(1, count + 1):
            generations[f"v{number}"] = {
                "generationId": f"v{number}",
                "createdOn": BASE_TS - (count - number + 1) * 20 * DAY_MS - index * HOUR_MS,
                "endpoints": endpoint_list,
                "preloaded": number >= count - 1,
            }
        services[service_id] = {
            "serviceId": service_id,
            "enabled": enabled,
            "activeGeneration": f"v{count}",
            "generations": generations,
            "metrics": {
                "requestCount": rng.randint(10_000, 500_000),
                "errorCount": rng.randint(10, 900),
                "averageLatencyMs": round(rng.uniform(5, 80), 2),
                "rate": rng.uniform(3, 25) if enabled else 0.0,  # requests per second, drives the growth
            },
        }
    keys = {}
    for number, (label, allowed) in enumerate(
        (("portal", []), ("mobile-app", [next(iter(services))]), ("batch-scoring", sorted(services)[:2])), start=1
    ):
        key_id = f"key-{number}"
        keys[key_id] = {
            "id": key_id,
            "key": "".join(rng.choices(string.ascii_letters + string.digits, k=32)),
            "label": label,
            "createdOn": BASE_TS - (60 - number) * DAY_MS,
            "allowedServices": allowed,
        }
    degraded = node == "apinode-b"
    return {
        "services": services,
        "keys": keys,
        "nextKey": len(keys) + 1,
        "health": {
            "status": "DEGRADED" if degraded else "HEALTHY",
            "details": {
                "node": node,
                "version": "13.4.0",
                "disk": "OK",
                "memory": "HIGH (91% used)" if degraded else "OK",
                "disabledServices": sorted(sid for sid, svc in services.items() if not svc["enabled"]),
            },
        },
    }
