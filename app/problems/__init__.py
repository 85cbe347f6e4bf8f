"""Problem types: the catalogue of every error `type` and the pages its URIs resolve to."""
