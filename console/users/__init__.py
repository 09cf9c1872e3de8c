"""Users in the console: sign-in and sign-out, the accounts admins manage, and the audit log admins read."""
