"""The county link's edges: a town's outbox and sender, the county hub's server and store (see hub.county)."""
