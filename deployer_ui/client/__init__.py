"""The Project Deployer's client: typed results (`types`, `futures`) and the calls (`calls`), named here for callers."""

from deployer_ui.client.calls import DeployerClient, get_client
from deployer_ui.client.futures import Future, FutureProgress, UpdateReport, UpdateResult
from deployer_ui.client.types import (
    HEALTH_VALUES,
    UPSTREAM_NAME,
    Bundle,
    Deployment,
    DeploymentSettings,
    DeploymentStatus,
    HealthMessage,
    Infra,
    PublishedProject,
    Stage,
)

__all__ = [
    "HEALTH_VALUES", "UPSTREAM_NAME", "Bundle", "DeployerClient", "Deployment", "DeploymentSettings",
    "DeploymentStatus", "Future", "FutureProgress", "HealthMessage", "Infra", "PublishedProject", "Stage",
    "UpdateReport", "UpdateResult", "get_client",
]
