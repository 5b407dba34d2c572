-- PostgreSQL version of 0004_dm_channels.sql: a Discord channel id needs BIGINT here (SQLite's
-- INTEGER is already 64-bit).
ALTER TABLE reminder_schedules ADD COLUMN dm_channel_id BIGINT NULL;
