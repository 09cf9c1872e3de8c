"""Video dispatch calls: the duty officer calls villages, their cadres join, the scene's camera is shared."""
