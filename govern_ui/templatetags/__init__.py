"""Template filters for Govern data (`{% load govern_tags %}`)."""
