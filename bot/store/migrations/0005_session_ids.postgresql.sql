-- PostgreSQL version of 0005_session_ids.sql. Here routine_sessions.id is already an identity
-- column, whose sequence never gives out an id twice (migrate-db moves it past every id the SQLite
-- database ever issued), so there is nothing to change.
SELECT 1;
