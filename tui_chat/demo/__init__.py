"""The offline demo server: an OpenAI-compatible HTTP server on 127.0.0.1 that the demo provider runs."""
