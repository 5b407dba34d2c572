-- The Discord DM channel of a person who gets reminders, once one reached them: a reminder then
-- takes one request (post the message) instead of two (open the DM channel, then post).
ALTER TABLE reminder_schedules ADD COLUMN dm_channel_id INTEGER NULL;
