"""For `scrapyd-deploy` (scrapyd-client), which builds an egg with `setup.py bdist_egg`.

Everything is declared in pyproject.toml; pip uses that file directly.
"""

from setuptools import setup

setup(zip_safe=False)  # Alembic reads the migrations as files: never run from a zipped egg
