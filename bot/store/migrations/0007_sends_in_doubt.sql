-- Sends whose outcome nobody recorded. send_started_at is when the current claim's send started
-- (on the clock leases are judged by), written just before the reminder is handed to the
-- transport and cleared once what became of it is recorded as a failure to try again. A claim
-- taken over while it is still set was abandoned by a process that died mid-send: the reminder
-- may have reached the person. doubt_first_at and doubt_last_at keep when the first and the
-- latest such send started: a repeat within Discord's nonce window of the first shows nothing
-- new, a later one may, and after one that may have shown was itself cut short the reminder is
-- not sent again.
ALTER TABLE reminder_deliveries ADD COLUMN send_started_at TEXT NULL;
ALTER TABLE reminder_deliveries ADD COLUMN doubt_first_at TEXT NULL;
ALTER TABLE reminder_deliveries ADD COLUMN doubt_last_at TEXT NULL;
