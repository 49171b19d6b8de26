"""The audit log: sign-ins, permission and visibility changes, exports and deletions."""
