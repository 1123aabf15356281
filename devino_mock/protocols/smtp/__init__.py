"""SMTP: Email2SMS (mail to email2sms@integrationapi.net becomes SMS) and the SMTP e-mail API
(SMTP AUTH, transactional e-mail into the journal) on one listener (smtp-email2sms.md)."""

from __future__ import annotations

from devino_mock.protocols.smtp.listener import SmtpListener, control, start

__all__ = ["SmtpListener", "control", "start"]
