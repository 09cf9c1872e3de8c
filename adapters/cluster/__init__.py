"""Running a town as several processes on PostgreSQL: device shares leased by ingest workers, one core leader
elected among standbys, the ingest log followed by the leader, and consoles that find the leader."""
