"""Template tags of the operators' pages (`{% load deployer %}`)."""
