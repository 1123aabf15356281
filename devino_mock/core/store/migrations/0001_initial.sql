-- devino-mock state, version 1. Records are JSON documents (store/codec.py); keys and the
-- order of the journal are columns.
CREATE TABLE accounts (login TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE incoming (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE submissions (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE callbacks (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE rules (id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE sequences (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
