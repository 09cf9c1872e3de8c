"""Broadcast jobs: who hears what through the village loudspeakers, and whether it played."""
