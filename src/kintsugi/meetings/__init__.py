"""The facilitation kit: meetings (post-mortem, pre-mortem, learning sessions), their invites,
agenda, facilitator's script, live session notes and follow-ups."""
