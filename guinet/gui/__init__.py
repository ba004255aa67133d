"""The Qt shell: thin views and editors over :mod:`guinet.core` objects."""
