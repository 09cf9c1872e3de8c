"""Video: camera sources, decode workers, motion and tamper analysis, snapshots and live tiles."""
