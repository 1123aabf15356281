"""Settings: command line > environment (DEVINO_MOCK_<NAME>) > built-in defaults."""

from __future__ import annotations

import dataclasses
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
    smpp_max_sessions: int = 4  # bound SMPP sessions per account ("количество сессий до 4-х")
    smpp_throttle: float = 0.0  # submit_sm/data_sm per second per session, beyond: ESME_RTHROTTLED; 0: unlimited
    smpp_deliver_window: int = 10  # unanswered deliver_sm (receipts, MO) per session
    smpp_deliver_timeout: float = 30.0  # virtual seconds to wait for deliver_sm_resp before sending again
    smpp_enquire_link_interval: float = 60.0  # real seconds of ESME silence before the SMSC sends enquire_link; 0: never
    smpp_link_timeout: float = 30.0  # real seconds for enquire_link_resp, unbind_resp or the rest of a started PDU
    ftp_root: str | None = None  # parent of the FTP homes; None: a fresh temporary folder
    ftp_poll_interval: float = 10.0  # virtual seconds between drop-folder polls ("1 раз в 10 секунд")
    ftp_passive_ports: str | None = None  # e.g. "60000-60099"; None: any free port
    ftp_masquerade_address: str | None = None  # address announced in PASV replies (Docker, NAT)
    email2sms_strict: bool = False  # answer an unusable Email2SMS mail with 554 instead of 250
    data_dir: str | None = None  # keep the whole state in SQLite there; None: in memory
    max_messages: int | None = None  # cap of the journal (oldest dropped first); None: no cap
    soap_stats_inprogress: bool = False  # GetStatistics writes <InProgress> (003/000 examples) instead of <InProcess>
    soap_incoming_createdateutc: bool = False  # IncomingMessage writes <CreateDateUtc> (003/000) instead of <CreatedDateUtc>
    tls: bool = False  # also serve HTTPS and SMTP over TLS (STARTTLS, implicit) with a local CA's certificate
    tls_dir: str | None = None  # where the CA and the certificate live; None: the user's cache folder
    https_port: int = 8443  # HTTPS, the same services as http_port (the real Viber API: 444)
    smtps_port: int = 4465  # SMTP with implicit TLS (the real platform: 465); STARTTLS is on smtp_port

    @classmethod
    def ephemeral(cls, **overrides) -> "Settings":
        """Every listener on a free port: for tests and embedding."""
        return cls(**{"http_port": 0, "smpp_port": 0, "smtp_port": 0, "ftp_port": 0, "https_port": 0,
                      "smtps_port": 0, **overrides})


def settings_from_strings(values: dict[str, str], base: Settings | None = None) -> Settings:
    """Settings from NAME=VALUE text (pytest options, ini values), each value converted to its
    field's type; an unknown name or a value of the wrong kind is a ValueError naming it."""
    settings = dataclasses.replace(base or Settings())
    kinds = {field.name: str(field.type) for field in dataclasses.fields(Settings)}
    for name, text in values.items():
        key = name.strip().lower().replace("-", "_")
        if key not in kinds:
            raise ValueError(f"unknown setting {name!r} (known: {', '.join(sorted(kinds))})")
        kind = kinds[key]
        try:
            if kind == "bool":
                value: object = text.strip().lower() in ("1", "true", "yes", "on")
            elif kind.startswith("int"):  # int, or int | None
                value = int(text) if text.strip() or kind == "int" else None
            elif kind == "float":
                value = float(text)
            else:
                value = text if text != "" else None
        except ValueError:
            raise ValueError(f"{name}: not a {kind}: {text!r}") from None
        setattr(settings, key, value)
    return settings
