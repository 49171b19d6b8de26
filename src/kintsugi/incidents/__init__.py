"""Incidents as records: from vendors (incident.io, PagerDuty, Opsgenie), webhooks or by hand,
each with its post-mortem or the lack of one; and the draft flow that writes that post-mortem."""
