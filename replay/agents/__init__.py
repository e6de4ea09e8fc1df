"""Agents that react to a scenario's steps with commands; the kinds are in `catalog`."""
