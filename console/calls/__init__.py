"""Video calls in the console: the call routes, the call feed, the call socket and the call page."""
