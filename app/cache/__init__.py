"""HTTP caching of public reads: ETags and 304s, the response cache, its invalidation."""
