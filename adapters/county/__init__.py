"""The county link's edges: a town's outbox, boxes and sender; the county hub's server, stores and view."""
