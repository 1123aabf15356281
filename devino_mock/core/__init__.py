"""The platform, once: accounts, numbers, text, messages, statuses, time. No wire formats here."""
