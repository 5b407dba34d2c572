"""lowback-bot: a low back pain coach for Discord and the terminal."""

__version__ = "0.1.0"
