"""The reviewers' workspace: Govern's blueprints, artifacts and sign-offs, the review queue, review actions."""
