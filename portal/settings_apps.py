"""Settings of the feature apps: governance, deployments and API nodes, the history store, wall screens (imported by
portal.settings)."""

from __future__ import annotations

import os

from portal.env import envbool, envfloat, envint, envlist

# --- Governance (govern_ui) -----------------------------------------------------------------------------------------

# Seconds the whole `/artifacts` list is cached (the artifact list pages locally over it).
GOVERN_ARTIFACT_CACHE_SECONDS = envint("GOVERN_ARTIFACT_CACHE_SECONDS", 30)
# Seconds Govern users and roles (display names, the delegate picker) are cached.
GOVERN_DIRECTORY_CACHE_SECONDS = envint("GOVERN_DIRECTORY_CACHE_SECONDS", 300)
# The Govern mirror (my queue, the nav badge, the artifact list, the home counts): one reader, at most MAX_RPS Govern
# calls a second across every worker, sweeping a slice each TICK seconds; artifacts with undecided steps are read
# again after OPEN seconds (or as soon as the budget allows), every artifact at least every DECIDED seconds; the
# artifact list (new and removed artifacts) every LIST seconds, users, roles and blueprints every DIRECTORY seconds,
# and an artifact's own record (custom fields) at most every DETAIL seconds unless its sign-offs changed.
GOVERN_SYNC_MAX_RPS = envfloat("GOVERN_SYNC_MAX_RPS", 10.0)
GOVERN_SYNC_TICK_SECONDS = envint("GOVERN_SYNC_TICK_SECONDS", 5)
GOVERN_SYNC_OPEN_SECONDS = envint("GOVERN_SYNC_OPEN_SECONDS", 60)
GOVERN_SYNC_DECIDED_SECONDS = envint("GOVERN_SYNC_DECIDED_SECONDS", 86400)
GOVERN_SYNC_LIST_SECONDS = envint("GOVERN_SYNC_LIST_SECONDS", 60)
GOVERN_SYNC_DIRECTORY_SECONDS = envint("GOVERN_SYNC_DIRECTORY_SECONDS", 300)
GOVERN_SYNC_DETAIL_SECONDS = envint("GOVERN_SYNC_DETAIL_SECONDS", 3600)
# Parallel Govern calls within a sweep (each takes a token first): enough to spend the budget against a slow Govern.
GOVERN_SYNC_CONCURRENCY = envint("GOVERN_SYNC_CONCURRENCY", 4)
# Pending review actions: the sweeper runs every N seconds; retries back off from BASE up to MAX seconds.
GOVERN_DELIVERY_SWEEP_SECONDS = envint("GOVERN_DELIVERY_SWEEP_SECONDS", 15)
GOVERN_DELIVERY_BACKOFF_BASE = envint("GOVERN_DELIVERY_BACKOFF_BASE", 5)
GOVERN_DELIVERY_BACKOFF_MAX = envint("GOVERN_DELIVERY_BACKOFF_MAX", 300)
# Rows per page of the artifact list.
GOVERN_ARTIFACTS_PER_PAGE = envint("GOVERN_ARTIFACTS_PER_PAGE", 25)
# Steps per page of "My queue".
GOVERN_QUEUE_PER_PAGE = envint("GOVERN_QUEUE_PER_PAGE", 50)
# How reviews reach Govern: "service" (the portal's service account, the reviewer named in the comment) or "user"
# (each reviewer's own Govern API key, saved on their profile page, so Govern records and checks the real person).
GOVERN_REVIEW_AS = os.environ.get("GOVERN_REVIEW_AS", "service").strip().lower()
# The Govern login behind GOVERN_API_KEY: never offered as a delegate, shown as a detail of what it sent.
GOVERN_SERVICE_LOGIN = os.environ.get("GOVERN_SERVICE_LOGIN", "svc-portal")
# Segregation of duties: the creator or owner of an artifact cannot sign off (or delegate) its steps.
GOVERN_PREVENT_SELF_REVIEW = envbool("GOVERN_PREVENT_SELF_REVIEW", True)
# Custom fields read for the queue and the self-review rule: the artifact's named reviewers (a USERS field) and its
# owner (a USER field).
GOVERN_REVIEWERS_FIELD = os.environ.get("GOVERN_REVIEWERS_FIELD", "reviewers")
GOVERN_OWNER_FIELD = os.environ.get("GOVERN_OWNER_FIELD", "owner")
# Govern role permissions that allow signing off a step (a person holding one may review and be delegated to).
GOVERN_SIGNOFF_PERMISSIONS = envlist("GOVERN_SIGNOFF_PERMISSIONS", "signoff.review")
# Bundle governance (the wall's sign-off state per deployed bundle): an artifact governs a bundle when these two
# custom fields name its published project and bundle id. Only artifacts of GOVERN_BUNDLE_BLUEPRINTS are read
# (comma-separated ids; empty: every artifact). A worker refreshes it every N seconds within its own Govern request
# budget, and re-reads an artifact's custom fields at most every LINK seconds.
GOVERN_BUNDLE_PROJECT_FIELD = os.environ.get("GOVERN_BUNDLE_PROJECT_FIELD", "project_key")
GOVERN_BUNDLE_ID_FIELD = os.environ.get("GOVERN_BUNDLE_ID_FIELD", "bundle_id")
GOVERN_BUNDLE_BLUEPRINTS = envlist("GOVERN_BUNDLE_BLUEPRINTS")
GOVERN_BUNDLE_REFRESH_SECONDS = envint("GOVERN_BUNDLE_REFRESH_SECONDS", 60)
GOVERN_BUNDLE_REQUESTS_PER_SECOND = envfloat("GOVERN_BUNDLE_REQUESTS_PER_SECOND", 5.0)
GOVERN_BUNDLE_LINK_SECONDS = envint("GOVERN_BUNDLE_LINK_SECONDS", 3600)

# --- Deployments and API nodes (deployer_ui) ------------------------------------------------------------------------

# Beat refreshes every deployment's status into Redis every N seconds; pages only read that cache.
DEPLOYMENT_REFRESH_SECONDS = envint("DEPLOYMENT_REFRESH_SECONDS", 30)
# Parallel status calls during a refresh, and the Deployer request budget (requests per second, token bucket).
DEPLOYER_REFRESH_CONCURRENCY = envint("DEPLOYER_REFRESH_CONCURRENCY", 8)
DEPLOYER_REQUESTS_PER_SECOND = envfloat("DEPLOYER_REQUESTS_PER_SECOND", 20.0)
# How long status snapshots stay in Redis (they turn stale after 3 refresh intervals, but are still shown as such).
DEPLOYMENT_STATUS_TTL_SECONDS = envint("DEPLOYMENT_STATUS_TTL_SECONDS", 7 * 24 * 3600)
# Seconds between the dashboard's own htmx refreshes.
DEPLOYMENT_DASHBOARD_POLL_SECONDS = envint("DEPLOYMENT_DASHBOARD_POLL_SECONDS", 10)
# One render of the dashboard serves every screen asking within this many seconds while nothing it shows changed: its
# ages are at most that much behind. 0 renders every request.
DEPLOYMENT_DASHBOARD_REUSE_SECONDS = envfloat("DEPLOYMENT_DASHBOARD_REUSE_SECONDS", 2.0)
# Update polling: backoff from MIN to MAX seconds between future reads; a poller's lease on an update lasts LEASE
# seconds and is renewed each read (an expired lease means its worker died: resume_update_polls, which beat sends every
# MAX seconds, takes it over, so a dead poller's update is followed again within LEASE + MAX seconds).
DEPLOYMENT_UPDATE_POLL_MIN_SECONDS = envfloat("DEPLOYMENT_UPDATE_POLL_MIN_SECONDS", 0.5)
# MAX bounds how late the portal learns that a future ended: at 2 s, make bench found a finished update reached its
# page after 2.8 s (p95); each running update costs the Deployer at most one read a second.
DEPLOYMENT_UPDATE_POLL_MAX_SECONDS = envfloat("DEPLOYMENT_UPDATE_POLL_MAX_SECONDS", 1.0)
DEPLOYMENT_UPDATE_LEASE_SECONDS = envint("DEPLOYMENT_UPDATE_LEASE_SECONDS", 30)
# An update still unfinished after this many seconds is recorded as "unknown" and no longer polled.
DEPLOYMENT_UPDATE_GIVE_UP_SECONDS = envint("DEPLOYMENT_UPDATE_GIVE_UP_SECONDS", 6 * 3600)
# API node /health and /metrics samples (taken every minute by beat) are kept this many days.
API_NODE_SAMPLE_RETENTION_DAYS = envint("API_NODE_SAMPLE_RETENTION_DAYS", 7)
# Beat samples every API node's /health, /metrics and /services every N seconds into the database and the Redis
# node cache; pages only read that cache (a node's status turns stale after 3 intervals).
API_NODE_SAMPLE_SECONDS = envint("API_NODE_SAMPLE_SECONDS", 60)

# --- The history store (portal.audit) -------------------------------------------------------------------------------

# Beat verifies the audit hash chain every N seconds (daily).
AUDIT_VERIFY_SECONDS = envint("AUDIT_VERIFY_SECONDS", 24 * 3600)
# Events per page of /audit/.
AUDIT_PAGE_SIZE = envint("AUDIT_PAGE_SIZE", 50)

# --- Wall screens (deployer_ui.wall) ---------------------------------------------------------------------------------

# Seconds between a wall screen's polls of its feed (answered 304 when nothing changed).
WALL_POLL_SECONDS = envfloat("WALL_POLL_SECONDS", 5.0)
# Stages shown first, in this order (comma-separated Deployer stage ids); the others follow in the reverse of the
# Deployer's order, which puts production first when the Deployer lists it last.
WALL_STAGE_ORDER = envlist("WALL_STAGE_ORDER")
# Deployments on one page of a wall; beyond that the wall pages through them every PAGE_SECONDS, problems first.
WALL_PAGE_TILES = envint("WALL_PAGE_TILES", 60)
WALL_PAGE_SECONDS = envint("WALL_PAGE_SECONDS", 15)
# A screen not seen for this many seconds is listed as quiet.
WALL_QUIET_SECONDS = envint("WALL_QUIET_SECONDS", 60)
# After LIMIT unknown, revoked or expired tokens from one address within WINDOW seconds, that address is answered
# 429 until the window ends.
WALL_BAD_TOKEN_LIMIT = envint("WALL_BAD_TOKEN_LIMIT", 20)
WALL_BAD_TOKEN_WINDOW_SECONDS = envint("WALL_BAD_TOKEN_WINDOW_SECONDS", 600)
