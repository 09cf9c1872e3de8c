"""Video: camera sources, motion and tamper analysis, live view encoding."""
