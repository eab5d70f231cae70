"""Adapters to Google Cloud (Firestore, Cloud Storage, Cloud Tasks), settings and structured logs.

May import google-cloud-* clients and the standard library; nothing else of the project.
"""
