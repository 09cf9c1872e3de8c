"""Who may use the console: users, roles and their scopes, sessions, the audit log."""
