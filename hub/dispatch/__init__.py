"""Dispatch: patrol teams sent to alerts, worked from their phones, timed and audited."""
