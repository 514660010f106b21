"""Recipes and the runner that executes their stages with a cache."""
