"""Alerts: rules that read the stream, alerts with a lifecycle, escalation and notification."""
