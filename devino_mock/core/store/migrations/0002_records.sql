-- The services' records (address-book groups and contacts, campaigns, templates, …): any kind,
-- keyed, as tagged JSON (store/codec.py value_to).
CREATE TABLE records (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key));
