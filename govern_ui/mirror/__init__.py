"""The Govern mirror: one reader (`sweep`) keeps every artifact, the summary of its custom fields and its sign-offs in
the database (`govern_ui.mirror_models`) under a request budget shared by every worker, records what it sees change
as `observed` audit events (`observe`, `apply`), and pages read it (`read`) without ever waiting on Govern."""
