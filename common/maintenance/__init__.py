"""Housekeeping across every domain: the sweep that removes what no live record references.

May import every other package of common/ (it is the top layer).
"""
