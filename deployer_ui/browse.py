"""Reading the Deployer's published projects, bundles, infras and stages, live, for the read-only pages.

Each function raises `UpstreamNotFound` for an unknown id and `UpstreamError` when the Deployer fails; the views keep
the page up with the banner.
"""

from __future__ import annotations

from dataclasses import dataclass

from deployer_ui.client import Infra, PublishedProject, Stage, get_client


@dataclass(frozen=True)
class Infrastructure:
    """The stages, in the Deployer's order, and the infras that belong to them."""

    stages: list[Stage]
    infras: list[Infra]


def published_projects() -> list[PublishedProject]:
    """Every published project with its bundles (the Projects and Bundles pages)."""
    return get_client().list_published_projects()


def published_project(project_key: str) -> PublishedProject:
    return get_client().get_published_project(project_key)


def infrastructure() -> Infrastructure:
    """Stages and infras (the Infras and Stages pages)."""
    client = get_client()
    return Infrastructure(stages=client.list_stages(), infras=client.list_infras())


def infra(infra_id: str) -> Infra:
    return get_client().get_infra(infra_id)
