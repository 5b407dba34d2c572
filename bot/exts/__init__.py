"""The Discord features, one extension each: a module, or a package for a feature with several
parts (``routine/``, ``reminders/``). ``bot.app`` loads every module and package here, so nothing
else belongs here: what the features share is in ``bot/discord_ui/``."""
