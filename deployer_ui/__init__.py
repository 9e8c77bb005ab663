"""The operators' view: deployments on the Project Deployer, their updates, and the API nodes."""
