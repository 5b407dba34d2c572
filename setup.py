"""Packaging beyond what pyproject.toml can say: the knowledge base, the models and the core's data
files ship inside the wheel.

``knowledge/`` stays at the top of the repository (it is content, edited on its own) and is
installed as the data package ``bot.knowledge``, read with ``importlib.resources``
(see ``bot/settings.py``). Every ``bot`` package is found automatically.
"""

from pathlib import Path

from setuptools import find_packages, setup

KNOWLEDGE = Path("knowledge")
DATA = ["*.yaml", "*.yml"]

knowledge_packages = ["bot.knowledge"] + sorted(
    "bot.knowledge." + ".".join(path.relative_to(KNOWLEDGE).parts)
    for path in KNOWLEDGE.rglob("*")
    if path.is_dir()
    and not any(part.startswith((".", "_")) for part in path.relative_to(KNOWLEDGE).parts)
)

setup(
    packages=find_packages(include=["bot", "bot.*"]) + knowledge_packages,
    package_dir={"bot.knowledge": str(KNOWLEDGE)},
    package_data={
        "bot.store": ["migrations/*.sql"],
        "bot.core": ["data/*.yaml"],  # the time zone aliases
        "bot": [
            "models/*.json",
            "models/*.npz",
            "models/minilm-static/*",
        ],  # the embedding model, the safety net's heads and the matcher's labelled examples
        **dict.fromkeys(knowledge_packages, DATA),
    },
)
