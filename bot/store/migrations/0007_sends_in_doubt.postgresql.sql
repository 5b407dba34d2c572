-- PostgreSQL version of 0007_sends_in_doubt.sql: instants sort as text in the "C" collation, as
-- the other instant columns do.
ALTER TABLE reminder_deliveries ADD COLUMN send_started_at TEXT COLLATE "C" NULL;
ALTER TABLE reminder_deliveries ADD COLUMN doubt_first_at TEXT COLLATE "C" NULL;
ALTER TABLE reminder_deliveries ADD COLUMN doubt_last_at TEXT COLLATE "C" NULL;
