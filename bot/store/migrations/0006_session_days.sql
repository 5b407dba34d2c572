-- The day a finished routine counts for: the person's own calendar date where they were when they
-- finished it (YYYY-MM-DD), so a streak keeps its days when they later set another time zone.
-- NULL where the bot did not know their zone then (and for sessions finished before this column):
-- those are counted in whatever zone is theirs now.
ALTER TABLE routine_sessions ADD COLUMN local_day TEXT NULL;
