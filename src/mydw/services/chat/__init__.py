"""`mydw chat`: the assistant's tools, sessions, the model loop and the built-in assistant.

Nothing here is imported at start-up: only `mydw chat` loads it.
"""
