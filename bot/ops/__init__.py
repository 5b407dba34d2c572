"""Running the bot for real: the set-up check, backups, the heartbeat and PostgreSQL chores.

* ``doctor``: ``lowback doctor`` (:func:`~bot.ops.doctor.doctor`, printed by
  :func:`~bot.ops.doctor.format_checks`).
* ``backup``: ``lowback backup PATH`` (:func:`~bot.ops.backup.backup`).
* ``heartbeat``: the file the running bot keeps fresh, and the container's health check,
  ``python -m bot.ops healthcheck``.
* ``postgres``: the same chores for a PostgreSQL store, and ``lowback migrate-db``.

The invite link lives in :mod:`bot.invite` (no discord import, so ``lowback invite-url`` is quick).
Nothing here prints or logs the token.
"""
