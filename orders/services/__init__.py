"""Writes of the orders app, split by subject: storing pulled lines, confirming, syncing, manual orders."""
