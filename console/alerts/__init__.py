"""Alerts in the console: the alert routes, their schemas and the resumable alert feed."""
