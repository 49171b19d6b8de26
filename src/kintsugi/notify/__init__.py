"""Notifications: email (SMTP), Slack (webhook or bot token) and AWS SNS, with retries."""
