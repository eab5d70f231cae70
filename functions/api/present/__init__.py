"""Records -> public responses, with URLs the client can fetch images and media from.

Domain operations return records; every response shape is built here, at the HTTP edge, one module
per domain, so that a request loads only its own domain's models (the cold start is a product figure).
"""
