"""Packaging beyond what pyproject.toml can say: the knowledge base, the models, the privacy notice
and the core's data files ship inside the wheel.

``knowledge/`` stays at the top of the repository (it is content, edited on its own) and is
installed as the data package ``bot.knowledge``, read with ``importlib.resources``
(see ``bot/settings.py``). Every ``bot`` package is found automatically; the folders that hold only
data are listed in ``DATA_PACKAGES``, so that setuptools installs them as packages on purpose.
"""

import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

KNOWLEDGE = Path("knowledge")
DATA = ["*.yaml", "*.yml"]
DATA_PACKAGES = {
    "bot.store.migrations": ["*.sql"],
    "bot.core.data": ["*.yaml"],  # the time zone aliases
    # the embedding model, the safety net's heads and the matcher's labelled examples
    "bot.models": ["*.json", "*.npz", "minilm-static/*", "minilm-topics/*"],
}

knowledge_packages = ["bot.knowledge"] + sorted(
    "bot.knowledge." + ".".join(path.relative_to(KNOWLEDGE).parts)
    for path in KNOWLEDGE.rglob("*")
    if path.is_dir()
    and not any(part.startswith((".", "_")) for part in path.relative_to(KNOWLEDGE).parts)
)


class BuildPy(build_py):
    """``build_py`` that starts from an empty ``build/lib/bot``. setuptools keeps there what the
    builds before put, and ships it: after ``git pull`` and ``pip install .`` in the same checkout
    (the README's upgrade), a knowledge file renamed upstream was installed under both names."""

    def run(self) -> None:
        shutil.rmtree(Path(self.build_lib) / "bot", ignore_errors=True)
        super().run()


setup(
    cmdclass={"build_py": BuildPy},
    packages=find_packages(include=["bot", "bot.*"]) + list(DATA_PACKAGES) + knowledge_packages,
    package_dir={"bot.knowledge": str(KNOWLEDGE)},
    package_data={
        "bot": ["PRIVACY.md"],  # `lowback privacy` prints it
        **DATA_PACKAGES,
        **dict.fromkeys(knowledge_packages, DATA),
    },
)
