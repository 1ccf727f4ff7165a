"""Siting: rules, exclusions, suitability, regions and impact."""
