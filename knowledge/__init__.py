"""The knowledge base, installed with the bot as the data package ``bot.knowledge`` (see setup.py).

Only the YAML files here are content; this file just makes the folder a regular package, so that
``importlib.resources.files("bot.knowledge")`` is one real directory.
"""
