"""Marketplace-neutral records for couriers, tracking pushes and their outcomes (used by waybills/)."""
