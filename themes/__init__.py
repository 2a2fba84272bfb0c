"""The built-in themes, as TOML data; this file only makes the folder a package importlib.resources can read."""
