"""The console across processes: the leader relays its live feeds; console processes serve pages, reads and feeds."""
