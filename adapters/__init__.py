"""Edges to outside systems: MQTT ingest, payload mappings, stores, embedded broker, simulators."""
