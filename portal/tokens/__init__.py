"""Personal API tokens: created, named and revoked by their owner on the profile page, stored as SHA-256 digests."""
