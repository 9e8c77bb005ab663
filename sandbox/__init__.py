"""Sandbox stand-ins for Dataiku Govern, the DSS Project Deployer and API nodes.

Django sees this package as an app only so that ``manage.py runsandbox`` exists; the
servers themselves are plain werkzeug WSGI apps and never touch Django (see README.md).
"""
