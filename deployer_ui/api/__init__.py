"""The deployments REST API (mounted at /api/deployments/)."""
