"""Wire adapters: each parses its protocol, calls one core operation, renders the reply."""
