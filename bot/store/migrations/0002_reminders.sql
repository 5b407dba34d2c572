-- Daily routine reminders.
--
-- reminder_schedules: one row per person who turned reminders on (kept, disabled, when they turn
--   them off, so turning them on again restores their times). next_due_at / next_key is the next
--   occurrence to send; it is NULL while reminders are off or delivery has stopped, and the
--   dispatcher finds due reminders through the index on it.
-- reminder_deliveries: one row per occurrence the dispatcher claimed or decided to skip. An
--   occurrence's identity (its key, e.g. 2026-03-08T07:30) is unique per person: that is what
--   keeps a reminder from going out twice.
-- reminder_snoozes: at most one snoozed reminder per person, waiting to come again.
-- pending_notices: things to tell a person the next time they use a command (a front end fetches
--   and clears them), e.g. that reminders stopped because their DMs are closed.
--
-- Instants are ISO-8601 UTC text written by bot.store.db.format_utc (fixed width, so text order
-- is time order). Every table has a user_id column, so data export and deletion find its rows.

CREATE TABLE reminder_schedules (
    user_id       INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    timezone      TEXT NOT NULL,                        -- IANA name, e.g. Europe/Berlin
    times         TEXT NOT NULL,                        -- local wall-clock times, "07:30,21:30"
    weekdays      TEXT NULL,                            -- "0,1,2,3,4" (Monday is 0); NULL: every day
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    paused_until  TEXT NULL,
    next_due_at   TEXT NULL,
    next_key      TEXT NULL,
    closed_reason TEXT NULL,                            -- why delivery stopped (e.g. DMs closed)
    closed_at     TEXT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((next_due_at IS NULL) = (next_key IS NULL))
);

CREATE INDEX reminder_schedules_next_due ON reminder_schedules (next_due_at) WHERE next_due_at IS NOT NULL;

CREATE TABLE reminder_deliveries (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    occurrence_key TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'sent', 'skipped', 'failed')),
    claimed_by     TEXT NULL,                           -- the dispatcher holding the claim
    claimed_at     TEXT NULL,
    retry_at       TEXT NULL,                           -- status pending: when to try again
    done_at        TEXT NULL,                           -- sent, skipped or failed at
    attempts       INTEGER NOT NULL DEFAULT 0,
    routine_id     TEXT NULL,
    last_error     TEXT NULL,                           -- or why it was skipped
    UNIQUE (user_id, occurrence_key)
);

CREATE INDEX reminder_deliveries_claimed ON reminder_deliveries (claimed_at) WHERE status = 'claimed';
CREATE INDEX reminder_deliveries_retry ON reminder_deliveries (retry_at) WHERE status = 'pending';
CREATE INDEX reminder_deliveries_done ON reminder_deliveries (done_at) WHERE done_at IS NOT NULL;
CREATE INDEX reminder_deliveries_user_due ON reminder_deliveries (user_id, due_at);

CREATE TABLE reminder_snoozes (
    user_id        INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    occurrence_key TEXT NOT NULL,                       -- the repeat's identity, "2026-03-08T07:30+30m"
    due_at         TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE INDEX reminder_snoozes_due ON reminder_snoozes (due_at);

CREATE TABLE pending_notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,                           -- one pending notice per kind and person
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, kind)
);
