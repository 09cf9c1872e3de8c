"""gridhub core: models, bus, town registry, recorder, health and the hub lifecycle."""
