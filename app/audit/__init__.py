"""The audit log (`GET /v1/admin/audit`): who changed what, written with the change."""
