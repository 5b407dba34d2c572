-- People, their place on the step ladder and how they got there; per-server settings; and the
-- opt-in list of questions the knowledge base could not answer.
-- Times are ISO-8601 UTC text (bot.store.db.format_utc). Every table that holds data about a
-- person has a user_id column: that is how /mydata finds and deletes it.

CREATE TABLE people (
    user_id    INTEGER PRIMARY KEY,            -- the Discord user id; 1 is the local terminal person
    step       INTEGER NOT NULL DEFAULT 1 CHECK (step BETWEEN 1 AND 4),
    timezone   TEXT NULL,                      -- IANA name, e.g. Europe/Berlin
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE step_history (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    from_step INTEGER NOT NULL CHECK (from_step BETWEEN 1 AND 4),
    to_step   INTEGER NOT NULL CHECK (to_step BETWEEN 1 AND 4),
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL
);

CREATE INDEX step_history_user_id ON step_history (user_id, id);

CREATE TABLE guild_settings (
    guild_id        INTEGER PRIMARY KEY,
    keep_unanswered INTEGER NOT NULL DEFAULT 0 CHECK (keep_unanswered IN (0, 1)),
    updated_at      TEXT NOT NULL
);

-- No user id here, by design: a server that opts in learns what its members ask, not who asked.
CREATE TABLE unanswered_questions (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    question   TEXT NOT NULL CHECK (length(question) <= 300),
    best_topic TEXT NULL,
    score      REAL NOT NULL,
    asked_at   TEXT NOT NULL
);

CREATE INDEX unanswered_questions_asked_at ON unanswered_questions (asked_at);
CREATE INDEX unanswered_questions_guild ON unanswered_questions (guild_id, asked_at);
