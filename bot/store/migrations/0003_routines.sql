-- Routine sessions: every timed routine a person started, and how it ended.
-- Times are ISO-8601 UTC text (bot.store.db.format_utc). A session still 'running' when the bot
-- stops is marked 'interrupted' at the next start; the partial unique index below keeps at most
-- one running session per person.

CREATE TABLE routine_sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    routine_id   TEXT NOT NULL,                 -- a routine id, or daily-step-N for a step's daily plan
    status       TEXT NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'finished', 'stopped', 'interrupted')),
    started_at   TEXT NOT NULL,
    ended_at     TEXT NULL,                     -- NULL while running, and for interrupted sessions
    rounds_added INTEGER NOT NULL DEFAULT 0 CHECK (rounds_added >= 0),
    channel      TEXT NULL                      -- where a front end shows the session (opaque to the store)
);

CREATE INDEX routine_sessions_user ON routine_sessions (user_id, status, ended_at);

CREATE UNIQUE INDEX routine_sessions_one_running ON routine_sessions (user_id) WHERE status = 'running';
