"""Adapters to Google Cloud (Firestore, Cloud Storage, Cloud CDN signed URLs, Cloud Tasks), settings and logs.

May import google-cloud-* clients and the standard library; nothing else of the project.
"""
