"""A manifest run: detection, faces, reverse prompting, tags, contact sheet; and what it tells the library."""
