"""Action items: tracking, reports, digests, tracker sync."""
