"""The desktop application: the ONLY package that imports PySide6."""
