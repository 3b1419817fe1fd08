"""Persistence: models, repositories and migrations. Imports neither `flows` nor `bot`."""
