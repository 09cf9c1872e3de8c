"""The state database's revisions, oldest first by `down_revision`."""
