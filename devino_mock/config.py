"""Settings: command line > environment (DEVINO_MOCK_<NAME>) > built-in defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Settings:
    host: str = "127.0.0.1"
    http_port: int = 8080
    smpp_port: int = 2775
    smtp_port: int = 2525
    ftp_port: int = 2121
    fixtures: str | None = None
    log_level: str = "INFO"

    @classmethod
    def ephemeral(cls, **overrides) -> "Settings":
        """Every listener on a free port: for tests and embedding."""
        return cls(**{"http_port": 0, "smpp_port": 0, "smtp_port": 0, "ftp_port": 0, **overrides})
