"""The terminal front end, as ``bot/exts/`` is Discord's: the ``lowback`` command (``cli``), the chat,
the routine runner, the reminders hooks and the rendering (rich on a terminal, plain text elsewhere).

Every command opens its parts through ``bot.services.container``, the one composition root both
front ends share. Each command imports only what it needs: ``lowback invite-url`` never loads
discord.py, and nothing in the terminal does except ``lowback run``, ``doctor`` and ``backup``.
"""
