"""The reproductions' sweep configs (``*.toml``), installed as package data ``simulate.configs``.

Read them with ``importlib.resources.files("simulate.configs")`` (see
:func:`simulate.experiments.config_path`); this file only makes the folder a package.
"""
