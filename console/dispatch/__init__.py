"""Dispatch in the console: the centre's routes, the patrol phone's routes and the dispatch feeds."""
