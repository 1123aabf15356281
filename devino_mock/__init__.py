"""devino-mock: a high-fidelity emulator of the Devino Telecom messaging platform."""

__version__ = "0.1.0"
