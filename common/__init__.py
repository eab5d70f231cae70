"""Shared by the functions and the GPU service: domain records, rules and operations, by domain.

Imports no ML library and no web framework (werkzeug, Flask): both sides can use all of it.
"""
