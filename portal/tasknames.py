"""Every Celery task name, shared by the apps' `tasks.py`, their `enqueue.py` and the beat schedule in
`portal/celery.py`, so the schedule never imports a feature app and a renamed task cannot drift."""

# Deployer and API nodes
REFRESH_DEPLOYMENTS = "deployer_ui.tasks.refresh_deployments"
POLL_UPDATE = "deployer_ui.tasks.poll_update"
RESUME_UPDATE_POLLS = "deployer_ui.tasks.resume_update_polls"
SAMPLE_API_NODES = "deployer_ui.tasks.sample_api_nodes"
PRUNE_API_NODE_SAMPLES = "deployer_ui.tasks.prune_api_node_samples"

# Govern
DELIVER_PENDING_ACTIONS = "govern_ui.tasks.deliver_pending_actions"
DELIVER_ACTION = "govern_ui.tasks.deliver_action"
SYNC_GOVERN_MIRROR = "govern_ui.tasks.sync_govern_mirror"

# The history store
VERIFY_AUDIT_CHAIN = "portal.audit.tasks.verify_audit_chain"
REFRESH_BUNDLE_GOVERNANCE = "govern_ui.tasks.refresh_bundle_governance"

# The portal itself: beat's tick, run by a worker (both stamp their liveness for /readyz)
BEAT_TICK = "portal.tasks.beat_tick"
