"""Marketplace-neutral records for products, options and stock pushes (used by inventory/)."""
