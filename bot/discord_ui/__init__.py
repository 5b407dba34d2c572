"""What the Discord front end shares and that is not a feature: how a reply looks and is sent
(``render``), what its buttons do (``actions``), how an error reaches the person (``errors``), the
per-person cooldown on questions (``cooldown``) and the one budget every REST call goes through
(``ratelimit``).

The features live in ``bot/exts/``, one extension each; they and ``bot/app.py`` import from here.
Nothing here is an extension and nothing here imports ``bot.exts``.
"""
