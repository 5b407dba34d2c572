-- A routine session's id is never given out twice. The live routine's buttons carry the session id,
-- so an id used again (after the newest sessions were deleted, e.g. by /mydata delete) would let a
-- button on an old message control someone's new routine. AUTOINCREMENT keeps the highest id ever
-- issued in sqlite_sequence; a plain INTEGER PRIMARY KEY takes max(id) + 1 and reuses deleted ids.
-- SQLite cannot add AUTOINCREMENT to a table, so the table is rebuilt with the same rows and indexes.

CREATE TABLE routine_sessions_0005 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    routine_id   TEXT NOT NULL,                 -- a routine id, or daily-step-N for a step's daily plan
    status       TEXT NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'finished', 'stopped', 'interrupted')),
    started_at   TEXT NOT NULL,
    ended_at     TEXT NULL,                     -- NULL while running, and for interrupted sessions
    rounds_added INTEGER NOT NULL DEFAULT 0 CHECK (rounds_added >= 0),
    channel      TEXT NULL                      -- where a front end shows the session (opaque to the store)
);

INSERT INTO routine_sessions_0005 (id, user_id, routine_id, status, started_at, ended_at, rounds_added, channel)
    SELECT id, user_id, routine_id, status, started_at, ended_at, rounds_added, channel FROM routine_sessions;

DROP TABLE routine_sessions;

ALTER TABLE routine_sessions_0005 RENAME TO routine_sessions;

CREATE INDEX routine_sessions_user ON routine_sessions (user_id, status, ended_at);

CREATE UNIQUE INDEX routine_sessions_one_running ON routine_sessions (user_id) WHERE status = 'running';
