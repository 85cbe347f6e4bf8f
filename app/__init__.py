"""Newsdesk: the content backend of a trilingual news site."""
