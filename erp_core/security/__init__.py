"""Users, passwords, sessions, permissions and the audit log."""
