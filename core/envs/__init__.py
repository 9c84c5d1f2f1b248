"""Environments: the registry with key maps, the keyboard, scripted experts, how episodes end."""
