"""The control API `/_mock/`: a (method, path) -> handler table (table.py) filled by the
platform's resources (resources.py), the callback receiver (sinks.py) and each surface."""

from devino_mock.control.table import Call, ControlError, ControlTable, json_response

__all__ = ["Call", "ControlError", "ControlTable", "json_response"]
