"""Stand-ins for services that cannot run on this machine (test code, never imported by the product)."""
