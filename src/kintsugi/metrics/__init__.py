"""Learning metrics: policy and deadlines, metrics with targets and trends, the quality
checklist, the dashboard's charts and the Prometheus exposition."""
