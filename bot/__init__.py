"""lowback-bot: a low back pain coach for Discord and the terminal."""

__version__ = "0.1.0"

import os as _os

# numpy's BLAS would start a thread per core for the matcher's one matrix-vector product per
# question; in a bot that shares its cores with the event loop one thread is faster and steadier.
# Set before numpy is first imported; an explicit setting in the environment wins.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
