"""The platform's services beyond sending (DESIGN.md "core/services/"): each is built on the one
send pipeline and the store, and knows no wire format."""
